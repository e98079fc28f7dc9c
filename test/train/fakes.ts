// Test doubles for the training loop: a logistic-regression "network" with
// a seeded noise generator (standing in for dropout) whose state it saves,
// and a synthetic, seeded training split.
import type { TrainIr } from "../../src/compiler/ir.js";
import type {
  Batch,
  NamedArrays,
  Network,
  QuantizerLevelStats,
  StepResult,
} from "../../src/runtime/types.js";
import type { TrainBatches } from "../../src/runtime/train/trainer.js";

const DIM = 4;

function mulberry(state: number): [number, number] {
  let t = (state + 0x6d2b79f5) >>> 0;
  let r = Math.imul(t ^ (t >>> 15), t | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  return [((r ^ (r >>> 14)) >>> 0) / 4294967296, t];
}

export class FakeNetwork implements Network {
  readonly backend = "fake";
  weights = new Float32Array(DIM + 1);
  rng: number;
  step = 0;
  /** Steps (1-based) whose loss is reported as NaN. */
  nanAtStep: number | null = null;

  constructor(seed: number) {
    this.rng = seed >>> 0;
  }

  trainStep(batch: Batch): StepResult {
    const grad = new Float32Array(DIM + 1);
    let loss = 0;
    const x = batch.numeric.x;
    for (let i = 0; i < batch.size; i++) {
      let z = this.weights[DIM];
      for (let j = 0; j < DIM; j++) z += this.weights[j] * x[i * DIM + j];
      const p = 1 / (1 + Math.exp(-z));
      const y = batch.labels.click[i];
      loss -= y * Math.log(p + 1e-7) + (1 - y) * Math.log(1 - p + 1e-7);
      for (let j = 0; j < DIM; j++) grad[j] += (p - y) * x[i * DIM + j];
      grad[DIM] += p - y;
    }
    for (let j = 0; j <= DIM; j++) {
      const [noise, next] = mulberry(this.rng);
      this.rng = next;
      this.weights[j] -= (0.5 * grad[j]) / batch.size + 0.01 * (noise - 0.5);
    }
    this.step += 1;
    const mean = loss / batch.size;
    const reported = this.nanAtStep === this.step ? Number.NaN : mean;
    return {
      loss: reported,
      taskLosses: { click: reported },
      commitLoss: null,
      lr: 0.5,
    };
  }

  predict(batch: Batch): Record<string, Float32Array> {
    const out = new Float32Array(batch.size);
    const x = batch.numeric.x;
    for (let i = 0; i < batch.size; i++) {
      let z = this.weights[DIM];
      for (let j = 0; j < DIM; j++) z += this.weights[j] * x[i * DIM + j];
      out[i] = 1 / (1 + Math.exp(-z));
    }
    return { click: out };
  }

  readQuantizerStats(): QuantizerLevelStats[] {
    return [];
  }

  assignCodes(): Int32Array | null {
    return null;
  }

  getState(): NamedArrays {
    return {
      "dense/w": { shape: [DIM + 1], values: this.weights.slice() },
      // Two 16-bit halves: float32 holds integers exactly only up to 2^24.
      "rng/state": {
        shape: [2],
        values: new Float32Array([this.rng >>> 16, this.rng & 0xffff]),
      },
      "optimizer/step": { shape: [1], values: new Float32Array([this.step]) },
    };
  }

  setState(state: NamedArrays): void {
    this.weights = state["dense/w"].values.slice();
    const [high, low] = state["rng/state"].values;
    this.rng = ((high << 16) | low) >>> 0;
    this.step = state["optimizer/step"].values[0];
  }

  async exportTfjs(): Promise<void> {}

  dispose(): void {}
}

/** Builds a batch of `size` rows whose label follows a fixed linear rule. */
export function makeBatch(seed: number, size: number): Batch {
  let state = seed >>> 0;
  const x = new Float32Array(size * DIM);
  const labels = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let z = 0;
    for (let j = 0; j < DIM; j++) {
      const [u, next] = mulberry(state);
      state = next;
      x[i * DIM + j] = u * 2 - 1;
      z += (j + 1) * x[i * DIM + j];
    }
    const [u] = mulberry(state);
    labels[i] = u < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return {
    size,
    categorical: {},
    multi: {},
    numeric: { x },
    scenario: new Int32Array(size),
    labels: { click: labels },
    weights: new Float32Array(size).fill(1),
  };
}

/** A training split of `count` batches per epoch, reshuffled per epoch. */
export function fakeBatches(count: number, size = 32): TrainBatches {
  return {
    batchesPerEpoch: count,
    *batches(epoch: number, start: number) {
      for (let k = start; k < count; k++) {
        // The row order depends on the epoch, like a seeded shuffle.
        yield makeBatch(1000 * (epoch + 1) + ((k * 7) % count), size);
      }
    },
  };
}

/** A training plan with the given overrides. */
export function trainPlan(overrides: Partial<TrainIr> = {}): TrainIr {
  return {
    optimizer: { kind: "sgd", lr: 0.5, momentum: 0 },
    schedule: { kind: "constant" },
    batchSize: 32,
    epochs: 3,
    maxSteps: null,
    seed: 1,
    l2: 0,
    gradClip: null,
    earlyStopping: null,
    checkpoint: { everySteps: null, keep: 3 },
    ...overrides,
  };
}
