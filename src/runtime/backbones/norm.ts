/**
 * Layer norm, batch norm and the batch standardisation STAR's partitioned
 * norm builds on.
 *
 * Gradients are written out so that every sum over the batch axis is a
 * `[1, B] x [B, d]` product. The tfjs wasm backend (4.22) runs a column sum
 * over a 2048-row batch far slower than that product, and the automatic
 * gradient of a broadcast (`x - mean`, `x * gamma`) is such a column sum.
 */
import * as tf from "@tensorflow/tfjs";
import type { Norm } from "../../compiler/ir.js";
import { stopGradient } from "../ops.js";
import type { BackboneContext, BackboneInputs } from "./types.js";

/** Added to the variance before the square root in every norm. */
export const NORM_EPSILON = 1e-5;
/**
 * Weight of the old value in the batch-norm moving averages:
 * `moving = MOMENTUM * moving + (1 - MOMENTUM) * batch`.
 */
export const BATCH_NORM_MOMENTUM = 0.99;

/** Sums `x: [B, d]` over the rows as one product: `[1, d]`. */
function columnSum(x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x);
}

/** Computes the batch mean and biased variance of `x: [B, d]`, each `[1, d]`. */
export function batchMoments(x: tf.Tensor2D): {
  mean: tf.Tensor2D;
  variance: tf.Tensor2D;
} {
  const rows = x.shape[0];
  const mean = tf.div(columnSum(x), rows) as tf.Tensor2D;
  const variance = tf.div(
    columnSum(tf.square(tf.sub(x, mean)) as tf.Tensor2D),
    rows,
  ) as tf.Tensor2D;
  return { mean, variance };
}

const batchStandardizeOp = tf.customGrad(
  // tfjs types the custom function's parameters as one rest array.
  ((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = batchMoments(x as tf.Tensor2D);
    const inverse = tf.rsqrt(tf.add(variance, NORM_EPSILON));
    const standardized = tf.mul(tf.sub(x, mean), inverse);
    save([standardized, inverse]);
    return {
      value: standardized,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // d x = (dy - mean(dy) - xhat mean(dy xhat)) / sigma, means over rows.
        const [xhat, inv] = saved as [tf.Tensor2D, tf.Tensor2D];
        const rows = xhat.shape[0];
        const meanDy = tf.div(columnSum(dy as tf.Tensor2D), rows);
        const meanDyX = tf.div(
          columnSum(tf.mul(dy, xhat) as tf.Tensor2D),
          rows,
        );
        const centered = tf.sub(tf.sub(dy, meanDy), tf.mul(xhat, meanDyX));
        return [tf.mul(centered, inv)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/**
 * Returns `(x - mean) / sqrt(var + eps)` with the batch mean and biased
 * variance of `x: [B, d]`, differentiated through the statistics.
 */
export function batchStandardize(x: tf.Tensor2D): tf.Tensor2D {
  return batchStandardizeOp(x) as tf.Tensor2D;
}

const affineOp = tf.customGrad(
  // tfjs types the custom function's parameters as one rest array.
  ((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, gamma]);
    return {
      value: tf.add(tf.mul(x, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedGamma] = saved as [tf.Tensor2D, tf.Tensor1D];
        const width = savedGamma.shape[0];
        const dGamma = tf.reshape(
          columnSum(tf.mul(dy, savedX) as tf.Tensor2D),
          [width],
        );
        const dBeta = tf.reshape(columnSum(dy as tf.Tensor2D), [width]);
        return [tf.mul(dy, savedGamma), dGamma, dBeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/** Returns `x * gamma + beta` for `x: [B, d]`, `gamma`, `beta: [d]`. */
export function affine(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
): tf.Tensor2D {
  return affineOp(x, gamma, beta) as tf.Tensor2D;
}

/** Moves a state variable towards a batch statistic, outside any gradient. */
export function updateMovingAverage(state: tf.Variable, batch: tf.Tensor) {
  tf.tidy(() => {
    const next = tf.add(
      tf.mul(state, BATCH_NORM_MOMENTUM),
      tf.mul(
        tf.reshape(stopGradient(batch), state.shape),
        1 - BATCH_NORM_MOMENTUM,
      ),
    );
    state.assign(next);
  });
}

/** A normalisation layer over the features of a `[B, d]` activation. */
export interface NormLayer {
  apply(x: tf.Tensor2D, inputs: BackboneInputs): tf.Tensor2D;
}

/**
 * Creates a `layer` or `batch` norm of width `width`, or `null` for `none`.
 *
 * Weights: `<prefix>/gamma` (ones), `<prefix>/beta` (zeros); batch norm also
 * keeps `<prefix>/moving_mean` and `<prefix>/moving_variance` as state. Batch
 * norm normalises with the batch mean and biased variance over the rows in
 * a training step and updates the moving averages with
 * `BATCH_NORM_MOMENTUM`. Outside training it uses the moving averages.
 */
export function createNorm(
  context: BackboneContext,
  prefix: string,
  norm: Norm,
  width: number,
): NormLayer | null {
  if (norm === "none") return null;
  const gamma = context.weight(`${prefix}/gamma`, [width], "ones");
  const beta = context.weight(`${prefix}/beta`, [width], "zeros");
  if (norm === "layer") {
    return {
      apply(x) {
        const { mean, variance } = tf.moments(x, -1, true);
        const standardized = tf.mul(
          tf.sub(x, mean),
          tf.rsqrt(tf.add(variance, NORM_EPSILON)),
        ) as tf.Tensor2D;
        return affine(standardized, gamma, beta);
      },
    };
  }
  const movingMean = context.state(`${prefix}/moving_mean`, [width], "zeros");
  const movingVariance = context.state(
    `${prefix}/moving_variance`,
    [width],
    "ones",
  );
  return {
    apply(x, inputs) {
      if (!inputs.training) {
        const standardized = tf.mul(
          tf.sub(x, movingMean),
          tf.rsqrt(tf.add(movingVariance, NORM_EPSILON)),
        ) as tf.Tensor2D;
        return affine(standardized, gamma, beta);
      }
      trackBatchMoments(x, movingMean, movingVariance);
      return affine(batchStandardize(x), gamma, beta);
    },
  };
}

/** Updates moving averages from the batch statistics of `x`. */
export function trackBatchMoments(
  x: tf.Tensor2D,
  movingMean: tf.Variable,
  movingVariance: tf.Variable,
) {
  tf.tidy(() => {
    const { mean, variance } = batchMoments(stopGradient(x));
    updateMovingAverage(movingMean, mean);
    updateMovingAverage(movingVariance, variance);
  });
}
