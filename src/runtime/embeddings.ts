import type { TrainIr } from "../compiler/ir.js";
import type { Random } from "./random.js";

/**
 * Embedding tables on the host, and the sparse optimizer that updates them.
 *
 * tfjs-backend-wasm 4.22 has no `UnsortedSegmentSum` kernel, so the
 * gradient of `tf.gather` fails there. The runtime therefore keeps every
 * table in a `Float32Array`, gathers and pools the rows of a batch on the
 * host, and receives the gradient of the gathered rows back from the
 * device. Only the rows a batch touched are updated.
 */

/** Width of the uniform range new table rows are drawn from (the Keras embedding default). */
export const EMBEDDING_INIT_LIMIT = 0.05;

/** The optimizer settings the sparse update follows: the model's own dense optimizer. */
export type SparseOptimizerIr = TrainIr["optimizer"];

/**
 * One embedding table with its optimizer slots.
 *
 * The update is "lazy": only touched rows change, and their slots advance
 * only when touched. For Adam the bias correction uses the table's global
 * step (the number of steps the table took part in), the same rule as
 * `torch.optim.SparseAdam` and TensorFlow's LazyAdam, because per-row step
 * counts would give rare ids large, poorly estimated first updates again
 * every time they reappear. For Adagrad the lazy update equals the dense
 * one, since an untouched row has a zero gradient.
 */
export class EmbeddingTable {
  /** Row-major values `[rows, dim]`. */
  readonly values: Float32Array;
  /** Optimizer slots by name (`m`, `v`, `accumulator`, `momentum`), each `[rows, dim]`. */
  readonly slots: Record<string, Float32Array> = {};
  /** Steps this table took part in, for Adam's bias correction. */
  step = 0;

  // Per-step gradient accumulation: `slotOf[row]` is the row's position in
  // `touched`, or -1. Reset after every update, so a step costs O(touched).
  private readonly slotOf: Int32Array;
  private touched: number[] = [];
  private gradient: Float32Array;

  constructor(
    readonly name: string,
    readonly rows: number,
    readonly dim: number,
    private readonly optimizer: SparseOptimizerIr,
    random: Random,
  ) {
    this.values = random.fillUniform(
      new Float32Array(rows * dim),
      EMBEDDING_INIT_LIMIT,
    );
    if (optimizer.kind === "adam") {
      this.slots.m = new Float32Array(rows * dim);
      this.slots.v = new Float32Array(rows * dim);
    } else if (optimizer.kind === "adagrad") {
      this.slots.accumulator = new Float32Array(rows * dim).fill(
        optimizer.initialAccumulator,
      );
    } else if (optimizer.momentum !== 0) {
      this.slots.momentum = new Float32Array(rows * dim);
    }
    this.slotOf = new Int32Array(rows).fill(-1);
    this.gradient = new Float32Array(64 * dim);
  }

  /**
   * Adds `scale * grad[gradOffset .. gradOffset + dim)` to the gradient of
   * `row`; duplicate rows in a batch add up.
   */
  accumulate(
    row: number,
    grad: Float32Array,
    gradOffset: number,
    scale: number,
  ): void {
    const base = this.gradientOffset(row);
    for (let j = 0; j < this.dim; j++) {
      this.gradient[base + j] += scale * grad[gradOffset + j];
    }
  }

  /** Adds `value` to element `j` of the gradient of `row` (max pooling routes single elements). */
  accumulateElement(row: number, j: number, value: number): void {
    this.gradient[this.gradientOffset(row) + j] += value;
  }

  /** Returns where the pending gradient of `row` starts, opening a zeroed slot on first touch. */
  private gradientOffset(row: number): number {
    let slot = this.slotOf[row];
    if (slot < 0) {
      slot = this.touched.length;
      this.slotOf[row] = slot;
      this.touched.push(row);
      if ((slot + 1) * this.dim > this.gradient.length) {
        const grown = new Float32Array(this.gradient.length * 2);
        grown.set(this.gradient);
        this.gradient = grown;
      }
      this.gradient.fill(0, slot * this.dim, (slot + 1) * this.dim);
    }
    return slot * this.dim;
  }

  /** Returns the rows touched since the last update and their summed gradients `[touched, dim]`. */
  pendingGradient(): { rows: readonly number[]; gradient: Float32Array } {
    return {
      rows: this.touched,
      gradient: this.gradient.subarray(0, this.touched.length * this.dim),
    };
  }

  /** Squared L2 norm of the pending gradient (for global-norm clipping). */
  pendingSquaredNorm(): number {
    let sum = 0;
    const n = this.touched.length * this.dim;
    for (let i = 0; i < n; i++) sum += this.gradient[i] * this.gradient[i];
    return sum;
  }

  /**
   * Applies the optimizer to the touched rows with their gradient times
   * `scale` (the clipping factor) and clears the pending gradient.
   */
  applyUpdate(lr: number, scale: number): void {
    this.step += 1;
    const opt = this.optimizer;
    if (opt.kind === "adam") {
      this.updateAdam(opt, lr, scale);
    } else if (opt.kind === "adagrad") {
      this.updateAdagrad(lr, scale);
    } else {
      this.updateSgd(opt.momentum, lr, scale);
    }
    for (const row of this.touched) this.slotOf[row] = -1;
    this.touched = [];
  }

  private updateAdam(
    opt: Extract<SparseOptimizerIr, { kind: "adam" }>,
    lr: number,
    scale: number,
  ): void {
    const { dim, values, gradient } = this;
    const { m, v } = this.slots;
    const { beta1, beta2, epsilon } = opt;
    const stepSize = lr / (1 - Math.pow(beta1, this.step));
    const correction2Root = Math.sqrt(1 - Math.pow(beta2, this.step));
    for (let slot = 0; slot < this.touched.length; slot++) {
      const rowBase = this.touched[slot] * dim;
      const gradBase = slot * dim;
      for (let j = 0; j < dim; j++) {
        const g = gradient[gradBase + j] * scale;
        const i = rowBase + j;
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        values[i] -=
          (stepSize * m[i]) / (Math.sqrt(v[i]) / correction2Root + epsilon);
      }
    }
  }

  private updateAdagrad(lr: number, scale: number): void {
    const { dim, values, gradient } = this;
    const { accumulator } = this.slots;
    for (let slot = 0; slot < this.touched.length; slot++) {
      const rowBase = this.touched[slot] * dim;
      const gradBase = slot * dim;
      for (let j = 0; j < dim; j++) {
        const g = gradient[gradBase + j] * scale;
        const i = rowBase + j;
        accumulator[i] += g * g;
        values[i] -= (lr * g) / (Math.sqrt(accumulator[i]) + ADAGRAD_EPSILON);
      }
    }
  }

  private updateSgd(momentumFactor: number, lr: number, scale: number): void {
    const { dim, values, gradient } = this;
    const { momentum } = this.slots;
    for (let slot = 0; slot < this.touched.length; slot++) {
      const rowBase = this.touched[slot] * dim;
      const gradBase = slot * dim;
      for (let j = 0; j < dim; j++) {
        const g = gradient[gradBase + j] * scale;
        const i = rowBase + j;
        if (momentum === undefined) {
          values[i] -= lr * g;
        } else {
          momentum[i] = momentumFactor * momentum[i] + g;
          values[i] -= lr * momentum[i];
        }
      }
    }
  }

  /** Drops the pending gradient without updating (after a failed step). */
  clearPending(): void {
    for (const row of this.touched) this.slotOf[row] = -1;
    this.touched = [];
  }
}

/** Adagrad's denominator guard; the IR has no setting for it (torch's default). */
export const ADAGRAD_EPSILON = 1e-10;
