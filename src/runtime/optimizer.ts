import * as tf from "@tensorflow/tfjs";
import type { TrainIr } from "../compiler/ir.js";
import { ADAGRAD_EPSILON } from "./embeddings.js";
import type { ParamEntry } from "./params.js";

/**
 * Dense optimizers on tf variables, written here (not `tf.train.*`) so
 * every slot is a named variable that checkpoints save and restore, and so
 * the update of all weights runs in one tidy with the clipping factor and
 * the learning rate as scalars.
 */

/**
 * Returns the learning rate of optimizer step `step` (0-based).
 * `totalSteps` is the length of a cosine schedule; without it the cosine
 * schedule holds the base rate after warmup.
 */
export function learningRate(
  train: TrainIr,
  step: number,
  totalSteps: number | null,
): number {
  const base = train.optimizer.lr;
  const schedule = train.schedule;
  switch (schedule.kind) {
    case "constant":
      return base;
    case "step":
      return base * Math.pow(schedule.gamma, Math.floor(step / schedule.every));
    case "exponential":
      return base * Math.pow(schedule.gamma, step / schedule.every);
    case "cosine": {
      const warmup = schedule.warmupSteps;
      if (step < warmup) return (base * (step + 1)) / warmup;
      if (totalSteps === null || totalSteps <= warmup) return base;
      const progress = Math.min(1, (step - warmup) / (totalSteps - warmup));
      return (
        schedule.minLr +
        0.5 * (base - schedule.minLr) * (1 + Math.cos(Math.PI * progress))
      );
    }
  }
}

/** A dense optimizer over a fixed list of trainable weights. */
export class DenseOptimizer {
  /** Slots by state name (`optimizer/<weight>/m`), in weight order. */
  readonly slots = new Map<string, tf.Variable>();
  /** Steps taken, for Adam's bias correction. */
  step = 0;
  private readonly perWeight: tf.Variable[][];

  constructor(
    private readonly optimizer: TrainIr["optimizer"],
    private readonly weights: readonly ParamEntry[],
  ) {
    this.perWeight = weights.map((entry) => {
      const names: string[] =
        optimizer.kind === "adam"
          ? ["m", "v"]
          : optimizer.kind === "adagrad"
            ? ["accumulator"]
            : optimizer.momentum !== 0
              ? ["momentum"]
              : [];
      return names.map((slot) => {
        const fill =
          optimizer.kind === "adagrad" ? optimizer.initialAccumulator : 0;
        const variable = tf.tidy(() =>
          tf.variable(tf.fill(entry.variable.shape, fill), false),
        );
        this.slots.set(`optimizer/${entry.name}/${slot}`, variable);
        return variable;
      });
    });
  }

  /**
   * Applies one update with `grads[i]` the gradient of `weights[i]` (or
   * `null` when the weight did not take part), scaled by `scale` (the
   * clipping factor). Disposes nothing it was given.
   */
  apply(grads: readonly (tf.Tensor | null)[], lr: number, scale: number): void {
    this.step += 1;
    const opt = this.optimizer;
    tf.tidy(() => {
      const scaleTensor = scale === 1 ? null : tf.scalar(scale);
      for (let i = 0; i < this.weights.length; i++) {
        const raw = grads[i];
        if (raw === null) continue;
        const g = scaleTensor === null ? raw : tf.mul(raw, scaleTensor);
        const w = this.weights[i].variable;
        const slots = this.perWeight[i];
        if (opt.kind === "adam") {
          const [m, v] = slots;
          const newM = tf.add(tf.mul(m, opt.beta1), tf.mul(g, 1 - opt.beta1));
          const newV = tf.add(
            tf.mul(v, opt.beta2),
            tf.mul(tf.square(g), 1 - opt.beta2),
          );
          const correction1 = 1 - Math.pow(opt.beta1, this.step);
          const correction2Root = Math.sqrt(1 - Math.pow(opt.beta2, this.step));
          const denominator = tf.add(
            tf.div(tf.sqrt(newV), correction2Root),
            opt.epsilon,
          );
          w.assign(
            tf.sub(w, tf.mul(tf.div(newM, denominator), lr / correction1)),
          );
          m.assign(newM);
          v.assign(newV);
        } else if (opt.kind === "adagrad") {
          const [accumulator] = slots;
          const newAccumulator = tf.add(accumulator, tf.square(g));
          w.assign(
            tf.sub(
              w,
              tf.mul(
                tf.div(g, tf.add(tf.sqrt(newAccumulator), ADAGRAD_EPSILON)),
                lr,
              ),
            ),
          );
          accumulator.assign(newAccumulator);
        } else if (slots.length === 1) {
          const [momentum] = slots;
          const newMomentum = tf.add(tf.mul(momentum, opt.momentum), g);
          w.assign(tf.sub(w, tf.mul(newMomentum, lr)));
          momentum.assign(newMomentum);
        } else {
          w.assign(tf.sub(w, tf.mul(g, lr)));
        }
      }
    });
  }

  /**
   * Resets the slots of the rows of `weight` where `rows` (bool `[rows]`)
   * is true to their initial values, as for a freshly created row.
   */
  resetRows(weight: tf.Variable, rows: tf.Tensor1D): void {
    const index = this.weights.findIndex((entry) => entry.variable === weight);
    if (index < 0) return;
    const fill =
      this.optimizer.kind === "adagrad" ? this.optimizer.initialAccumulator : 0;
    tf.tidy(() => {
      const column = tf.reshape(rows, [-1, 1]);
      for (const slot of this.perWeight[index]) {
        const fresh = tf.fill(slot.shape, fill);
        slot.assign(tf.where(tf.broadcastTo(column, slot.shape), fresh, slot));
      }
    });
  }

  /** Frees the slots. */
  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }
}

/**
 * Returns the factor that scales a gradient of global norm
 * `sqrt(squaredNorm)` down to `maxNorm` (1 when it is already within, or
 * when clipping is off).
 */
export function clipFactor(
  squaredNorm: number,
  maxNorm: number | null,
): number {
  if (maxNorm === null) return 1;
  const norm = Math.sqrt(squaredNorm);
  return norm > maxNorm ? maxNorm / norm : 1;
}
