/**
 * STAR (Sheng et al., CIKM 2021, "One Model to Serve All: Star Topology
 * Adaptive Recommender for Multi-Domain CTR Prediction").
 *
 * - Star layers: for a row of scenario `p`,
 *   `y = x (W_shared * W_p) + b_shared + b_p` (element-wise product of the
 *   kernels). `W_p` starts at ones and `b_p` at zeros, so the network starts
 *   as its shared part.
 * - Partitioned norm (when `partitioned_norm`, in place of `norm`) on each
 *   star layer's pre-activation:
 *   `(gamma * gamma_p) (y - mu) / sqrt(var + eps) + beta + beta_p`, with
 *   `mu`, `var` the batch statistics over all rows in training and their
 *   moving averages otherwise (shared by the scenarios).
 * - An auxiliary network on the scenario one-hot (with `s_D` appended under
 *   `condition`) outputs one logit per task, added to that task's logit.
 * - `modulate` applies the HMDN modulation to `E` before the star layers.
 */
import * as tf from "@tensorflow/tfjs";
import type { StarIr } from "../../compiler/ir.js";
import { linear } from "../ops.js";
import {
  MODULATION_HIDDEN,
  activate,
  checkHierarchyUse,
  createDense,
  createMlp,
  createModulation,
  createTowers,
  dropout,
  layerStyle,
  modulatedEmbeddings,
  requireHierarchy,
  usesCondition,
  usesModulation,
} from "./common.js";
import {
  NORM_EPSILON,
  batchStandardize,
  createNorm,
  trackBatchMoments,
} from "./norm.js";
import type {
  BackboneContext,
  BackboneFactory,
  BackboneInputs,
} from "./types.js";

/** Builds a STAR backbone. */
export const star: BackboneFactory = (context) => {
  const ir = context.ir.backbone as StarIr;
  const use = checkHierarchyUse(context, [
    "modulate",
    "condition",
    "modulate_condition",
  ]);
  const style = layerStyle(ir);
  const modulation = usesModulation(use)
    ? createModulation(context, MODULATION_HIDDEN)
    : null;
  const condition = usesCondition(use);
  const layers = ir.layers.map((width, i) => {
    const prefix = `backbone/star/layer_${i}`;
    const inDim = i === 0 ? context.inputDim : ir.layers[i - 1];
    return {
      dense: createStarDense(context, prefix, inDim, width),
      norm: ir.partitionedNorm
        ? createPartitionedNorm(context, `${prefix}/partitioned_norm`, width)
        : createNorm(context, `${prefix}/norm`, ir.norm, width),
    };
  });
  const outDim =
    ir.layers.length === 0 ? context.inputDim : ir.layers[ir.layers.length - 1];
  const auxiliaryIn =
    context.scenarios + (condition ? context.hierarchyDim : 0);
  const auxiliary = createMlp(
    context,
    "backbone/auxiliary",
    auxiliaryIn,
    ir.auxiliaryLayers,
    { ...style, norm: "none" },
  );
  const auxiliaryLogit = createDense(
    context,
    "backbone/auxiliary/logit",
    auxiliary.outDim,
    context.ir.tasks.length,
  );
  const towers = createTowers(context, outDim, style);

  return {
    forward(inputs) {
      let h = modulatedEmbeddings(modulation, inputs);
      for (const layer of layers) {
        let y = layer.dense.apply(h, inputs.scenarioOneHot);
        if (layer.norm) y = layer.norm.apply(y, inputs);
        h = dropout(activate(y, style.activation), style.dropout, inputs);
      }
      const main = towers.apply(() => h, inputs);
      const auxiliaryInput = condition
        ? tf.concat([inputs.scenarioOneHot, requireHierarchy(inputs)], 1)
        : inputs.scenarioOneHot;
      const extra = auxiliaryLogit.apply(
        auxiliary.apply(auxiliaryInput, inputs),
      );
      return main.map((logit, t) =>
        tf.add(logit, tf.reshape(tf.slice(extra, [0, t], [-1, 1]), [-1])),
      );
    },
  };
};

/** A star-topology dense layer. */
interface StarDense {
  apply(x: tf.Tensor2D, scenarioOneHot: tf.Tensor2D): tf.Tensor2D;
}

function createStarDense(
  context: BackboneContext,
  prefix: string,
  inDim: number,
  outDim: number,
): StarDense {
  const scenarios = context.scenarios;
  const sharedKernel = context.weight(
    `${prefix}/shared/kernel`,
    [inDim, outDim],
    "glorot_uniform",
  );
  const sharedBias = context.weight(`${prefix}/shared/bias`, [outDim], "zeros");
  const scenarioKernel = context.weight(
    `${prefix}/scenario/kernel`,
    [scenarios, inDim, outDim],
    "ones",
  );
  const scenarioBias = context.weight(
    `${prefix}/scenario/bias`,
    [scenarios, outDim],
    "zeros",
  );
  return {
    apply(x, scenarioOneHot) {
      // Every scenario's kernel on every row as one [B, in] x [in, S*out]
      // product, then each row keeps its own scenario's columns.
      const kernels = tf.mul(scenarioKernel, sharedKernel);
      const wide = tf.reshape(tf.transpose(kernels, [1, 0, 2]), [
        inDim,
        scenarios * outDim,
      ]) as tf.Tensor2D;
      const all = tf.reshape(linear(x, wide), [-1, scenarios, outDim]);
      const mask = tf.expandDims(scenarioOneHot, 2);
      const own = tf.sum(tf.mul(all, mask), 1) as tf.Tensor2D;
      // A one-hot row sums to 1, so adding b_shared to every row of the
      // scenario table gives b_shared + b_p without a batch-axis sum in the
      // gradient (slow on wasm).
      const bias = linear(
        scenarioOneHot,
        tf.add(scenarioBias, sharedBias) as tf.Tensor2D,
      );
      return tf.add(own, bias);
    },
  };
}

/** Partitioned normalisation: shared statistics, per-scenario scale and shift. */
interface PartitionedNorm {
  apply(x: tf.Tensor2D, inputs: BackboneInputs): tf.Tensor2D;
}

function createPartitionedNorm(
  context: BackboneContext,
  prefix: string,
  width: number,
): PartitionedNorm {
  const s = context.scenarios;
  const gamma = context.weight(`${prefix}/gamma`, [width], "ones");
  const beta = context.weight(`${prefix}/beta`, [width], "zeros");
  const scenarioGamma = context.weight(
    `${prefix}/scenario_gamma`,
    [s, width],
    "ones",
  );
  const scenarioBeta = context.weight(
    `${prefix}/scenario_beta`,
    [s, width],
    "zeros",
  );
  // Limitation: one set of moving averages for all scenarios, where the
  // STAR paper keeps them per scenario for inference.
  const movingMean = context.state(`${prefix}/moving_mean`, [width], "zeros");
  const movingVariance = context.state(
    `${prefix}/moving_variance`,
    [width],
    "ones",
  );
  return {
    apply(x, inputs) {
      let standardized: tf.Tensor2D;
      if (inputs.training) {
        trackBatchMoments(x, movingMean, movingVariance);
        standardized = batchStandardize(x);
      } else {
        standardized = tf.mul(
          tf.sub(x, movingMean),
          tf.rsqrt(tf.add(movingVariance, NORM_EPSILON)),
        ) as tf.Tensor2D;
      }
      const oneHot = inputs.scenarioOneHot;
      // Per-row scale and shift through the one-hot product, as for the bias.
      const scale = linear(oneHot, tf.mul(scenarioGamma, gamma) as tf.Tensor2D);
      const shift = linear(oneHot, tf.add(scenarioBeta, beta) as tf.Tensor2D);
      return tf.add(tf.mul(standardized, scale), shift) as tf.Tensor2D;
    },
  };
}
