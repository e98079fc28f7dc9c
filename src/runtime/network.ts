import * as tf from "@tensorflow/tfjs";
import type { ModelIr } from "../compiler/ir.js";
import { selectBackend } from "./backend.js";
import type { Logger } from "./backend.js";
import type { BackboneFactory } from "./backbones/types.js";
import { defaultBackbone, ModelCore } from "./core.js";
import type { ForwardResult } from "./core.js";
import { FeatureLayer } from "./features.js";
import { bceFromLogits, weightedMean } from "./heads.js";
import { clipFactor, DenseOptimizer, learningRate } from "./optimizer.js";
import { ParamRegistry } from "./params.js";
import type { ResidualQuantizer } from "./quantizer.js";
import type { QuantizerOutput } from "./quantizer.js";
import { Random } from "./random.js";
import type {
  Batch,
  NamedArrays,
  Network,
  Preprocessing,
  QuantizerLevelStats,
  StepResult,
} from "./types.js";

/** Options of `createNetwork`. */
export interface NetworkOptions {
  /** Force a backend (`wasm`, `cpu`, `tensorflow`); picked automatically when absent. */
  readonly backend?: string;
  /** Threads of the wasm backend; all cores when absent (see `selectBackend`). */
  readonly wasmThreads?: number;
  /** Seed of every random draw; `ir.train.seed` when absent. */
  readonly seed?: number;
  /** Receives the backend choice and warnings. */
  readonly log?: Logger;
  /** The backbone builder; the one registered for `ir.backbone.kind` when absent. */
  readonly backbone?: BackboneFactory;
  /** Total optimizer steps, the length of a cosine schedule; `ir.train.maxSteps` when absent. */
  readonly totalSteps?: number | null;
}

/** Raised by `trainStep` when the loss or a part of it is NaN or infinite; no weight changed. */
export class NonFiniteLossError extends Error {
  override readonly name = "NonFiniteLossError";

  constructor(readonly step: number) {
    super(`training step ${step}: the loss is not finite`);
  }
}

/** The state name of the network's step counter. */
const STEP_STATE = "network/step";

/**
 * Builds the network of a model IR on the selected backend: embedding
 * tables sized from `pre`, the hierarchy quantizer when the model has one,
 * the backbone with its towers, and the optimizers. Every initial value is
 * drawn from the seed on the host, so the same seed gives the same weights
 * on every backend.
 */
export async function createNetwork(
  ir: ModelIr,
  pre: Preprocessing,
  options: NetworkOptions = {},
): Promise<Network> {
  const log = options.log ?? (() => {});
  const backend = await selectBackend(options.backend, log, {
    wasmThreads: options.wasmThreads,
  });
  const factory = options.backbone ?? defaultBackbone(ir.backbone.kind);
  const totalSteps =
    options.totalSteps !== undefined ? options.totalSteps : ir.train.maxSteps;
  // Limitation: without a step count the cosine schedule cannot decay.
  if (ir.train.schedule.kind === "cosine" && totalSteps === null) {
    log(
      "warning: the cosine schedule needs a total step count; the learning rate stays at its base value after warmup",
    );
  }
  return new HmdnNetwork(
    ir,
    pre,
    backend,
    options.seed ?? ir.train.seed,
    factory,
    totalSteps,
  );
}

/** The `Network` implementation; see `createNetwork`. */
export class HmdnNetwork implements Network {
  readonly params: ParamRegistry;
  readonly features: FeatureLayer;
  readonly quantizer: ResidualQuantizer | null;
  readonly core: ModelCore;
  private readonly optimizer: DenseOptimizer;
  private readonly dropoutRandom: Random;
  private readonly resetRandom: Random;
  private readonly scenarioCount: number;
  private steps = 0;

  constructor(
    readonly ir: ModelIr,
    readonly pre: Preprocessing,
    readonly backend: string,
    seed: number,
    private readonly factory: BackboneFactory,
    private readonly totalSteps: number | null,
  ) {
    const root = new Random(seed);
    const weightRandom = root.fork("weights");
    const tableRandom = root.fork("tables");
    this.dropoutRandom = root.fork("dropout");
    this.resetRandom = root.fork("codebook");
    this.params = new ParamRegistry(weightRandom);
    this.features = new FeatureLayer(ir, pre, ir.train.optimizer, tableRandom);
    this.scenarioCount = Math.max(1, pre.scenarios.length);

    this.core = new ModelCore({
      ir,
      scenarios: this.scenarioCount,
      inputDim: this.features.width,
      featureSlices: this.features.slices,
      weights: this.params,
      random: this.resetRandom.fork("init"),
      backbone: factory,
    });
    this.quantizer = this.core.quantizer;
    this.optimizer = new DenseOptimizer(
      ir.train.optimizer,
      this.params.trainable(),
    );
  }

  /** The number of optimizer steps taken so far. */
  get step(): number {
    return this.steps;
  }

  private forward(
    embeddings: tf.Tensor2D,
    scenario: tf.Tensor1D,
    rowWeights: tf.Tensor1D,
    training: boolean,
  ): ForwardResult {
    return this.core.forward(
      embeddings,
      scenario,
      rowWeights,
      training,
      (x, rate) => this.dropout(x, rate, training),
    );
  }

  /** Inverted dropout with a mask drawn on the host from the seeded stream. */
  private dropout(
    x: tf.Tensor2D,
    rate: number,
    training: boolean,
  ): tf.Tensor2D {
    if (!training || rate <= 0) return x;
    const keep = 1 / (1 - rate);
    const mask = new Float32Array(x.size);
    const random = this.dropoutRandom;
    for (let i = 0; i < mask.length; i++) {
      mask[i] = random.nextFloat() < rate ? 0 : keep;
    }
    return tf.mul(x, tf.tensor(mask, x.shape)) as tf.Tensor2D;
  }

  /** Uploads the per-row inputs of `batch` other than `E`. */
  private rowTensors(batch: Batch): {
    scenario: tf.Tensor1D;
    weights: tf.Tensor1D;
  } {
    return {
      scenario: tf.tensor1d(batch.scenario, "int32"),
      weights: tf.tensor1d(batch.weights, "float32"),
    };
  }

  /** Initialises the codebooks from the view vectors of `batch` (first training step). */
  private initializeQuantizer(batch: Batch): void {
    const quantizer = this.quantizer as ResidualQuantizer;
    const embeddings = this.features.gather(batch, false);
    const x = tf.tidy(() =>
      this.core.viewVector(
        tf.tensor2d(embeddings, [batch.size, this.features.width]),
      ),
    );
    const values = x.dataSync() as Float32Array;
    x.dispose();
    const dim = quantizer.dim;
    const counted: number[] = [];
    for (let i = 0; i < batch.size; i++)
      if (batch.weights[i] > 0) counted.push(i);
    if (counted.length === 0) return;
    const rows = new Float32Array(counted.length * dim);
    counted.forEach((row, k) =>
      rows.set(values.subarray(row * dim, (row + 1) * dim), k * dim),
    );
    quantizer.initialize(rows, counted.length);
  }

  /** Runs forward, backward and the optimizer update for one batch. */
  trainStep(batch: Batch): StepResult {
    const quantizer = this.quantizer;
    if (quantizer !== null && !quantizer.isInitialized) {
      this.initializeQuantizer(batch);
    }
    const tasks = this.ir.tasks;
    const clip = this.ir.train.gradClip;
    // Limitation: the gather waits for the previous step's sparse update, so
    // it never overlaps device work (wasm runs kernels on this thread anyway).
    const hostEmbeddings = this.features.gather(batch, true);
    const kept: tf.Tensor[] = [];
    try {
      const step = this.computeGradients(batch, hostEmbeddings, kept);
      const partValues = step.parts.dataSync();
      const gradientValues = step.embeddingGradient.dataSync() as Float32Array;
      for (const value of partValues) {
        if (!Number.isFinite(value)) {
          this.features.discard();
          throw new NonFiniteLossError(this.steps + 1);
        }
      }

      this.features.backward(gradientValues);
      let scale = 1;
      if (clip !== null) {
        let squared = partValues[partValues.length - 1];
        for (const table of this.features.tables.values()) {
          squared += table.pendingSquaredNorm();
        }
        scale = clipFactor(squared, clip);
      }
      const lr = learningRate(this.ir.train, this.steps, this.totalSteps);
      this.optimizer.apply(step.denseGrads, lr, scale);
      for (const table of this.features.tables.values()) {
        table.applyUpdate(lr, scale);
      }
      if (quantizer !== null && step.quantized !== null) {
        quantizer.updateStatistics(
          step.quantized,
          step.mask,
          this.drawResetRows(batch),
          (codebook, reset) => this.optimizer.resetRows(codebook, reset),
        );
      }
      this.steps += 1;

      const taskLosses: Record<string, number> = {};
      tasks.forEach((task, t) => {
        taskLosses[task.name] = partValues[1 + t];
      });
      return {
        loss: partValues[0],
        taskLosses,
        commitLoss: quantizer === null ? null : partValues[1 + tasks.length],
        lr,
      };
    } finally {
      for (const tensor of kept) tensor.dispose();
    }
  }

  /**
   * Runs forward and backward in one tidy. Every tensor it returns is also
   * pushed to `kept`, which the caller disposes. `parts` is the total loss,
   * the task losses, the commitment loss (0 without a hierarchy) and, with
   * clipping, the squared norm of the dense gradients.
   */
  private computeGradients(
    batch: Batch,
    hostEmbeddings: Float32Array,
    kept: tf.Tensor[],
  ): {
    parts: tf.Tensor1D;
    embeddingGradient: tf.Tensor;
    denseGrads: (tf.Tensor | null)[];
    quantized: QuantizerOutput | null;
    mask: tf.Tensor1D;
  } {
    const keep = <T extends tf.Tensor>(t: T): T => {
      kept.push(tf.keep(t));
      return t;
    };
    let output: ReturnType<HmdnNetwork["computeGradients"]> | null = null;
    tf.tidy(() => {
      const embeddings = tf.tensor2d(hostEmbeddings, [
        batch.size,
        this.features.width,
      ]);
      const { scenario, weights } = this.rowTensors(batch);
      const labels = this.ir.tasks.map((task) => {
        const values = batch.labels[task.name];
        if (values === undefined) {
          throw new Error(`batch has no labels for task "${task.name}"`);
        }
        return tf.tensor1d(values, "float32");
      });
      let taskLosses: tf.Scalar[] = [];
      let commit: tf.Scalar | null = null;
      let quantized: QuantizerOutput | null = null;
      const lossFunction = (): tf.Scalar => {
        const result = this.forward(embeddings, scenario, weights, true);
        taskLosses = result.logits.map((logits, t) =>
          keep(weightedMean(bceFromLogits(logits, labels[t]), weights)),
        );
        if (result.quantized !== null) {
          commit = keep(result.quantized.commitLoss);
          keep(result.quantized.oneHots);
          keep(result.quantized.residuals);
          quantized = result.quantized;
        }
        return this.totalLoss(taskLosses, result.quantized);
      };
      const trainable = this.params.trainable();
      const { value, grads } = tf
        .engine()
        .gradients(
          lossFunction,
          [embeddings, ...trainable.map((entry) => entry.variable)],
          undefined,
          true,
        );
      const denseGrads = grads
        .slice(1)
        .map((g) => (g === undefined ? null : keep(g)));
      const scalars: tf.Scalar[] = [value as tf.Scalar, ...taskLosses];
      scalars.push(commit ?? tf.scalar(0));
      if (this.ir.train.gradClip !== null) {
        const present = denseGrads.filter((g): g is tf.Tensor => g !== null);
        scalars.push(
          present.length === 0
            ? tf.scalar(0)
            : (tf.addN(present.map((g) => tf.sum(tf.square(g)))) as tf.Scalar),
        );
      }
      output = {
        parts: keep(tf.stack(scalars) as tf.Tensor1D),
        embeddingGradient: keep(grads[0]),
        denseGrads,
        quantized,
        mask: keep(tf.cast(tf.greater(weights, 0), "float32") as tf.Tensor1D),
      };
    });
    return output as unknown as ReturnType<HmdnNetwork["computeGradients"]>;
  }

  /** Returns `sum_t w_t BCE_t` plus the quantizer terms and the L2 penalty on kernels. */
  private totalLoss(
    taskLosses: tf.Scalar[],
    quantized: QuantizerOutput | null,
  ): tf.Scalar {
    const tasks = this.ir.tasks;
    let total = tf.addN(
      taskLosses.map((loss, t) => tf.mul(loss, tasks[t].weight)),
    ) as tf.Scalar;
    if (quantized !== null && this.quantizer !== null) {
      total = tf.add(total, this.quantizer.lossTerm(quantized));
    }
    const l2 = this.ir.train.l2;
    const regularized = this.params.all().filter((entry) => entry.regularized);
    if (l2 > 0 && regularized.length > 0) {
      const penalty = tf.addN(
        regularized.map((entry) => tf.sum(tf.square(entry.variable))),
      );
      total = tf.add(total, tf.mul(penalty, l2));
    }
    return total;
  }

  /**
   * The generator streams that advance during training, by state name:
   * saving them makes a resumed run draw the same dropout masks and reset
   * rows as an uninterrupted one.
   */
  private streams(): [string, Random][] {
    return [
      ["random/dropout", this.dropoutRandom],
      ["random/codebook", this.resetRandom],
    ];
  }

  /** Per codebook, K row indices into its levels' stacked residuals, among rows that count. */
  private drawResetRows(batch: Batch): Int32Array[] {
    const quantizer = this.quantizer as ResidualQuantizer;
    if (!quantizer.ir.deadCodes.reset) return [];
    const counted: number[] = [];
    for (let i = 0; i < batch.size; i++)
      if (batch.weights[i] > 0) counted.push(i);
    if (counted.length === 0) counted.push(0);
    return quantizer.codebooks.map((_, b) => {
      const levels = quantizer.levelsOf(b).length;
      const rows = new Int32Array(quantizer.size);
      for (let k = 0; k < rows.length; k++) {
        const level = levels === 1 ? 0 : this.resetRandom.nextInt(levels);
        rows[k] =
          level * batch.size +
          counted[this.resetRandom.nextInt(counted.length)];
      }
      return rows;
    });
  }

  /** Returns per task name the click probabilities of every row, in inference mode. */
  predict(batch: Batch): Record<string, Float32Array> {
    const hostEmbeddings = this.features.gather(batch, false);
    const probabilities = tf.tidy(() => {
      const embeddings = tf.tensor2d(hostEmbeddings, [
        batch.size,
        this.features.width,
      ]);
      const { scenario, weights } = this.rowTensors(batch);
      const { logits } = this.forward(embeddings, scenario, weights, false);
      return logits.map((l) => tf.sigmoid(l));
    });
    const out: Record<string, Float32Array> = {};
    this.ir.tasks.forEach((task, t) => {
      out[task.name] = probabilities[t].dataSync() as Float32Array;
      probabilities[t].dispose();
    });
    return out;
  }

  /** Returns per-level quantizer statistics and starts a new window. */
  readQuantizerStats(): QuantizerLevelStats[] {
    return this.quantizer === null ? [] : this.quantizer.readStats();
  }

  /** Returns the codes of every row at every level, row-major `[size * levels]`. */
  assignCodes(batch: Batch): Int32Array | null {
    const quantizer = this.quantizer;
    if (quantizer === null) return null;
    const hostEmbeddings = this.features.gather(batch, false);
    const codes = tf.tidy(() => {
      const embeddings = tf.tensor2d(hostEmbeddings, [
        batch.size,
        this.features.width,
      ]);
      const weights = tf.tensor1d(batch.weights, "float32");
      const out = quantizer.forward(this.core.viewVector(embeddings), weights);
      return out.codes;
    });
    const values = codes.dataSync() as Int32Array;
    codes.dispose();
    return Int32Array.from(values);
  }

  /** Copies out every weight and all optimizer and quantizer state, by name. */
  getState(): NamedArrays {
    const state: Record<string, { shape: number[]; values: Float32Array }> = {};
    const put = (name: string, shape: number[], values: Float32Array): void => {
      state[name] = { shape, values };
    };
    for (const entry of this.params.all()) {
      put(
        entry.name,
        [...entry.variable.shape],
        Float32Array.from(entry.variable.dataSync()),
      );
    }
    for (const [name, slot] of this.optimizer.slots) {
      put(name, [...slot.shape], Float32Array.from(slot.dataSync()));
    }
    put("optimizer/step", [1], Float32Array.of(this.optimizer.step));
    for (const table of this.features.tables.values()) {
      const shape = [table.rows, table.dim];
      put(`embedding/${table.name}`, shape, table.values.slice());
      for (const [slot, values] of Object.entries(table.slots)) {
        put(`optimizer/embedding/${table.name}/${slot}`, shape, values.slice());
      }
      put(
        `optimizer/embedding/${table.name}/step`,
        [1],
        Float32Array.of(table.step),
      );
    }
    put(STEP_STATE, [1], Float32Array.of(this.steps));
    for (const [name, random] of this.streams()) {
      put(name, [8], Float32Array.from(random.getState()));
    }
    return state;
  }

  /** Restores state saved by `getState`; names must match, order does not matter. */
  setState(state: NamedArrays): void {
    const expected = this.getStateShapes();
    const missing = [...expected.keys()].filter((name) => !(name in state));
    const extra = Object.keys(state).filter((name) => !expected.has(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `state does not match the network: missing ${missing.join(", ") || "none"}; unexpected ${extra.join(", ") || "none"}`,
      );
    }
    for (const [name, shape] of expected) {
      const saved = state[name];
      const size = shape.reduce((a, b) => a * b, 1);
      if (
        saved.shape.join(",") !== shape.join(",") ||
        saved.values.length !== size
      ) {
        throw new Error(
          `state "${name}" has shape [${saved.shape.join(", ")}], expected [${shape.join(", ")}]`,
        );
      }
    }
    const scalar = (name: string): number => state[name].values[0];
    tf.tidy(() => {
      for (const entry of this.params.all()) {
        entry.variable.assign(
          tf.tensor(state[entry.name].values, entry.variable.shape),
        );
      }
      for (const [name, slot] of this.optimizer.slots) {
        slot.assign(tf.tensor(state[name].values, slot.shape));
      }
    });
    this.optimizer.step = scalar("optimizer/step");
    for (const table of this.features.tables.values()) {
      table.values.set(state[`embedding/${table.name}`].values);
      for (const [slot, values] of Object.entries(table.slots)) {
        values.set(state[`optimizer/embedding/${table.name}/${slot}`].values);
      }
      table.step = scalar(`optimizer/embedding/${table.name}/step`);
    }
    this.steps = scalar(STEP_STATE);
    for (const [name, random] of this.streams())
      random.setState(state[name].values);
    this.quantizer?.syncFromState();
  }

  private getStateShapes(): Map<string, number[]> {
    const shapes = new Map<string, number[]>();
    for (const entry of this.params.all())
      shapes.set(entry.name, [...entry.variable.shape]);
    for (const [name, slot] of this.optimizer.slots)
      shapes.set(name, [...slot.shape]);
    shapes.set("optimizer/step", [1]);
    for (const table of this.features.tables.values()) {
      shapes.set(`embedding/${table.name}`, [table.rows, table.dim]);
      for (const slot of Object.keys(table.slots)) {
        shapes.set(`optimizer/embedding/${table.name}/${slot}`, [
          table.rows,
          table.dim,
        ]);
      }
      shapes.set(`optimizer/embedding/${table.name}/step`, [1]);
    }
    shapes.set(STEP_STATE, [1]);
    for (const [name] of this.streams()) shapes.set(name, [8]);
    return shapes;
  }

  /** Writes the model in the tfjs layers format: `model.json` and weight files. */
  async exportTfjs(directory: string): Promise<void> {
    const { exportNetwork } = await import("./export.js");
    await exportNetwork(this, directory, this.factory);
  }

  /** Frees every tensor the network holds. */
  dispose(): void {
    this.optimizer.dispose();
    this.core.dispose();
    this.params.dispose();
  }
}
