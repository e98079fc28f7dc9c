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

/** The new value of a weight and of its slots after one update. */
interface Updated {
  readonly weight: tf.Tensor;
  readonly slots: readonly tf.Tensor[];
}

/** Options of `DenseOptimizer`. */
export interface DenseOptimizerOptions {
  /**
   * Runs one flattened update over all weights that have a gradient
   * (true, the default) or one update per weight. Both give the same
   * values bit for bit, because every kernel of the update is
   * element-wise. The flattened form runs about 15 kernels a step in
   * place of about 13 per weight.
   */
  readonly grouped?: boolean;
}

/** A dense optimizer over a fixed list of trainable weights. */
export class DenseOptimizer {
  /** Slots by state name (`optimizer/<weight>/m`), in weight order. */
  readonly slots = new Map<string, tf.Variable>();
  /** Steps taken, for Adam's bias correction. */
  step = 0;
  private readonly perWeight: tf.Variable[][];
  private readonly grouped: boolean;

  constructor(
    private readonly optimizer: TrainIr["optimizer"],
    private readonly weights: readonly ParamEntry[],
    options: DenseOptimizerOptions = {},
  ) {
    this.grouped = options.grouped ?? true;
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
    tf.tidy(() => {
      const scaleTensor = scale === 1 ? null : tf.scalar(scale);
      const present: number[] = [];
      for (let i = 0; i < this.weights.length; i++) {
        if (grads[i] !== null) present.push(i);
      }
      if (present.length === 0) return;
      const scaled = (raw: tf.Tensor): tf.Tensor =>
        scaleTensor === null ? raw : tf.mul(raw, scaleTensor);
      if (!this.grouped || present.length === 1) {
        for (const i of present) {
          const w = this.weights[i].variable;
          const slots = this.perWeight[i];
          const next = this.update(scaled(grads[i] as tf.Tensor), w, slots, lr);
          w.assign(next.weight);
          slots.forEach((slot, k) => slot.assign(next.slots[k]));
        }
        return;
      }
      // Flatten every weight, gradient and slot into one vector, update it
      // with the same element-wise kernels, and hand each weight its part.
      const flat = (tensors: tf.Tensor[]): tf.Tensor1D =>
        tf.concat(tensors.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
      const sizes = present.map((i) => this.weights[i].variable.size);
      const slotCount = this.perWeight[present[0]].length;
      const next = this.update(
        scaled(flat(present.map((i) => grads[i] as tf.Tensor))),
        flat(present.map((i) => this.weights[i].variable)),
        Array.from({ length: slotCount }, (_, k) =>
          flat(present.map((i) => this.perWeight[i][k])),
        ),
        lr,
      );
      const assignParts = (
        whole: tf.Tensor,
        target: (i: number) => tf.Variable,
      ): void => {
        const parts = tf.split(whole, sizes);
        present.forEach((i, p) => {
          const variable = target(i);
          variable.assign(tf.reshape(parts[p], variable.shape));
        });
      };
      assignParts(next.weight, (i) => this.weights[i].variable);
      for (let k = 0; k < slotCount; k++) {
        assignParts(next.slots[k], (i) => this.perWeight[i][k]);
      }
    });
  }

  /**
   * Returns the new weight and slots for gradient `g` of weight `w` with
   * slots `slots` (in the order the constructor creates them). The
   * kernels are element-wise, so a flattened call gives each element the
   * value a per-weight call gives it.
   */
  private update(
    g: tf.Tensor,
    w: tf.Tensor,
    slots: readonly tf.Tensor[],
    lr: number,
  ): Updated {
    const opt = this.optimizer;
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
      return {
        weight: tf.sub(w, tf.mul(tf.div(newM, denominator), lr / correction1)),
        slots: [newM, newV],
      };
    }
    if (opt.kind === "adagrad") {
      const [accumulator] = slots;
      const newAccumulator = tf.add(accumulator, tf.square(g));
      return {
        weight: tf.sub(
          w,
          tf.mul(
            tf.div(g, tf.add(tf.sqrt(newAccumulator), ADAGRAD_EPSILON)),
            lr,
          ),
        ),
        slots: [newAccumulator],
      };
    }
    if (slots.length === 1) {
      const [momentum] = slots;
      const newMomentum = tf.add(tf.mul(momentum, opt.momentum), g);
      return {
        weight: tf.sub(w, tf.mul(newMomentum, lr)),
        slots: [newMomentum],
      };
    }
    return { weight: tf.sub(w, tf.mul(g, lr)), slots: [] };
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
