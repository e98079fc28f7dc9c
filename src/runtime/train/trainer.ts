import type { TrainIr } from "../../compiler/ir.js";
import type { Batch, NamedArrays, Network, StepResult } from "../types.js";
import type { CheckpointStore, TrainerState } from "./checkpoint.js";
import type {
  EndReason,
  TrainEvent,
  TrainListener,
  ValidationMetrics,
} from "./events.js";

/** The training split as the loop reads it. */
export interface TrainBatches {
  readonly batchesPerEpoch: number;
  /**
   * Yields the batches of `epoch` in that epoch's seeded order, starting at
   * batch `start`. Batch k of epoch e must be the same rows whether the
   * iteration started at 0 or at k, so a resumed run reads the same data.
   */
  batches(epoch: number, start: number): Iterable<Batch> | AsyncIterable<Batch>;
}

/** Everything one training loop needs. */
export interface TrainerOptions {
  readonly network: Network;
  readonly train: TrainIr;
  readonly data: TrainBatches;
  /** Scores the validation split with the network in inference mode. */
  readonly validate: (
    network: Network,
  ) => ValidationMetrics | Promise<ValidationMetrics>;
  /** The checkpoint store, or `null` to keep no checkpoints (tests, quick runs). */
  readonly checkpoints: CheckpointStore | null;
  readonly listeners: readonly TrainListener[];
  /** A checkpoint to continue from; the network state is restored from `tensors`. */
  readonly resume?: {
    readonly trainer: TrainerState;
    readonly tensors: NamedArrays;
    /** The checkpoint directory they came from. */
    readonly path: string;
  };
  /**
   * Polled after every step; when it returns true the loop writes a
   * checkpoint of that step and throws `TrainingInterruptedError` (the
   * CLI sets it on SIGINT). With it the loop yields to the event loop after
   * each step, so that a signal handler gets to run.
   */
  readonly shouldStop?: () => boolean;
}

/** The end reason, final step and throughput of a finished loop. */
export interface TrainOutcome {
  readonly reason: Exclude<EndReason, "nonFinite">;
  readonly step: number;
  readonly bestEpoch: number | null;
  readonly trainSeconds: number;
  /** Mean training throughput over every step of the run, resumed parts included. */
  readonly samplesPerSecond: number;
}

/**
 * Raised when a step returns a NaN or infinite loss. The loop stops before
 * saving anything after that step, so the newest checkpoint contains the last
 * good state.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly batch: number,
    /** The loss value, or `null` when the network rejected the step itself. */
    readonly loss: number | null,
    readonly lastCheckpoint: string | null,
  ) {
    const value = loss === null ? "not finite" : String(loss);
    super(
      `the training loss is ${value} at step ${step} ` +
        `(epoch ${epoch + 1}, batch ${batch + 1}); training stopped`,
    );
    this.name = "NonFiniteLossError";
  }
}

/**
 * Raised when `shouldStop` asked the loop to stop. `checkpoint` holds the
 * state after `step` (written just then, or the newest one when the run
 * keeps no checkpoints of its own), so `--resume` continues from there.
 */
export class TrainingInterruptedError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly checkpoint: string | null,
  ) {
    super(`training was interrupted at step ${step} (epoch ${epoch + 1})`);
    this.name = "TrainingInterruptedError";
  }
}

/**
 * Matches the error `HmdnNetwork.trainStep` raises when it finds a
 * non-finite loss before applying the update.
 */
// Limitation: the network raises a plain Error, so the loop recognises it by
// its message; a typed error from the network would be sturdier.
const NETWORK_NON_FINITE = /loss is not finite/;

/**
 * Runs the training loop: epochs of batches, a validation pass after each
 * epoch, early stopping, and checkpoints every `checkpoint.everySteps`
 * steps and at every epoch end.
 *
 * With early stopping configured, the weights of the best validation epoch
 * are restored into the network before this returns, so the caller
 * evaluates and exports the best model rather than the last one.
 */
export async function runTrainingLoop(
  options: TrainerOptions,
): Promise<TrainOutcome> {
  const loop = new TrainingLoop(options);
  return loop.run();
}

class TrainingLoop {
  private state: TrainerState;
  private bestTensors: NamedArrays | null = null;
  private lastCheckpoint: string | null = null;
  private readonly totalSteps: number;

  constructor(private readonly options: TrainerOptions) {
    const { train, data } = options;
    const planned = train.epochs * data.batchesPerEpoch;
    this.totalSteps =
      train.maxSteps === null ? planned : Math.min(planned, train.maxSteps);
    this.state = options.resume?.trainer ?? {
      epoch: 0,
      batch: 0,
      step: 0,
      earlyStopping: { best: null, bestEpoch: null, badEpochs: 0 },
      bestState: null,
      finished: null,
      trainSeconds: 0,
      samples: 0,
    };
    this.lastCheckpoint = options.resume?.path ?? null;
  }

  async run(): Promise<TrainOutcome> {
    const { network, resume, train, data } = this.options;
    if (resume !== undefined) {
      network.setState(resume.tensors);
    }
    this.emit({
      type: "start",
      backend: network.backend,
      epochs: train.epochs,
      batchesPerEpoch: data.batchesPerEpoch,
      totalSteps: this.totalSteps,
      epoch: this.state.epoch,
      batch: this.state.batch,
      step: this.state.step,
      resumed: resume !== undefined,
      finished: this.state.finished !== null,
    });

    let reason = this.state.finished?.reason ?? null;
    while (reason === null) {
      reason = await this.runEpoch(this.state.epoch, this.state.batch);
    }

    this.restoreBest();
    const outcome: TrainOutcome = {
      reason,
      step: this.state.step,
      bestEpoch: this.state.earlyStopping.bestEpoch,
      trainSeconds: this.state.trainSeconds,
      samplesPerSecond:
        this.state.trainSeconds > 0
          ? this.state.samples / this.state.trainSeconds
          : 0,
    };
    this.emit({
      type: "end",
      reason,
      step: outcome.step,
      epoch: Math.max(0, this.state.epoch - 1),
      bestEpoch: outcome.bestEpoch,
      trainSeconds: outcome.trainSeconds,
    });
    return outcome;
  }

  /** Runs the rest of one epoch and its validation; returns a reason once the run is over. */
  private async runEpoch(
    epoch: number,
    start: number,
  ): Promise<Exclude<EndReason, "nonFinite"> | null> {
    const { network, data, train } = this.options;
    const everySteps = train.checkpoint.everySteps;
    let batch = start;
    let epochSeconds = 0;
    let stoppedByMaxSteps = false;

    for await (const rows of data.batches(epoch, start)) {
      if (this.state.step >= this.totalSteps) {
        stoppedByMaxSteps = true;
        break;
      }
      const began = performance.now();
      const step = this.state.step + 1;
      let result: StepResult;
      try {
        result = network.trainStep(rows);
      } catch (error) {
        if (error instanceof Error && NETWORK_NON_FINITE.test(error.message)) {
          this.failNonFinite(step, epoch, batch, null);
        }
        throw error;
      }
      const seconds = (performance.now() - began) / 1000;

      if (!Number.isFinite(result.loss)) {
        this.failNonFinite(step, epoch, batch, result.loss);
      }

      epochSeconds += seconds;
      this.state = {
        ...this.state,
        epoch,
        batch: batch + 1,
        step,
        trainSeconds: this.state.trainSeconds + seconds,
        samples: this.state.samples + rows.size,
      };
      this.emit({
        type: "step",
        step,
        epoch,
        batch,
        loss: result.loss,
        taskLosses: result.taskLosses,
        commitLoss: result.commitLoss,
        lr: result.lr,
        samplesPerSecond: seconds > 0 ? rows.size / seconds : 0,
      });
      batch += 1;

      const endsEpoch = batch >= data.batchesPerEpoch;
      const endsRun = step >= this.totalSteps;
      if (
        everySteps !== null &&
        step % everySteps === 0 &&
        !endsEpoch &&
        !endsRun
      ) {
        this.saveCheckpoint();
      }
      if (this.options.shouldStop !== undefined) {
        // A signal handler is a macrotask; in-memory batches never leave
        // the microtask queue, so give it a turn.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.options.shouldStop()) {
          const savedAlready =
            everySteps !== null &&
            step % everySteps === 0 &&
            !endsEpoch &&
            !endsRun;
          if (!savedAlready) this.saveCheckpoint();
          throw new TrainingInterruptedError(step, epoch, this.lastCheckpoint);
        }
      }
      if (endsRun && !endsEpoch) {
        stoppedByMaxSteps = true;
        break;
      }
    }
    if (batch < data.batchesPerEpoch && !stoppedByMaxSteps) {
      this.warn(
        `epoch ${epoch + 1} ended after ${batch} of ${data.batchesPerEpoch} batches`,
      );
    }
    return this.endEpoch(epoch, stoppedByMaxSteps, epochSeconds);
  }

  private async endEpoch(
    epoch: number,
    partial: boolean,
    trainSeconds: number,
  ): Promise<Exclude<EndReason, "nonFinite"> | null> {
    const { network, train } = this.options;
    const metrics = await this.options.validate(network);
    const quantizer = network.readQuantizerStats();
    const improved = this.recordEpoch(epoch, metrics);

    this.emit({
      type: "epoch",
      epoch,
      step: this.state.step,
      partial,
      metrics,
      quantizer,
      improved,
      trainSeconds,
    });

    let reason: Exclude<EndReason, "nonFinite"> | null = null;
    const stopping = train.earlyStopping;
    if (
      stopping !== null &&
      this.state.earlyStopping.badEpochs >= stopping.patience
    ) {
      reason = "earlyStop";
      this.emit({
        type: "earlyStop",
        epoch,
        bestEpoch: this.state.earlyStopping.bestEpoch ?? epoch,
        metric: stopping.metric,
        best: this.state.earlyStopping.best ?? Number.NaN,
      });
    } else if (this.state.step >= this.totalSteps) {
      reason = epoch + 1 >= train.epochs ? "completed" : "maxSteps";
    } else if (epoch + 1 >= train.epochs) {
      reason = "completed";
    }

    this.state = {
      ...this.state,
      epoch: epoch + 1,
      batch: 0,
      finished: reason === null ? null : { reason },
    };
    this.saveCheckpoint();
    return reason;
  }

  /** Updates the early-stopping record; returns whether `epoch` is a new best. */
  private recordEpoch(epoch: number, metrics: ValidationMetrics): boolean {
    const stopping = this.options.train.earlyStopping;
    if (stopping === null) {
      return false;
    }
    const value = metrics[stopping.metric];
    if (value === null) {
      this.warn(
        `early stopping uses \`${stopping.metric}\`, which is undefined on the ` +
          `validation split of epoch ${epoch + 1}; the epoch counts as no improvement`,
      );
    }
    const record = this.state.earlyStopping;
    const lowerIsBetter = stopping.metric === "logloss";
    let improved = false;
    if (value !== null) {
      if (record.best === null) {
        improved = true;
      } else if (lowerIsBetter) {
        improved = value < record.best - stopping.minDelta;
      } else {
        improved = value > record.best + stopping.minDelta;
      }
    }

    if (!improved || value === null) {
      this.state = {
        ...this.state,
        earlyStopping: { ...record, badEpochs: record.badEpochs + 1 },
      };
      return false;
    }
    const tensors = this.options.network.getState();
    this.bestTensors = tensors;
    const bestState =
      this.options.checkpoints?.saveBest(this.state.step, tensors) ?? null;
    this.state = {
      ...this.state,
      earlyStopping: { best: value, bestEpoch: epoch, badEpochs: 0 },
      bestState,
    };
    return true;
  }

  private restoreBest(): void {
    const { bestEpoch } = this.state.earlyStopping;
    if (this.options.train.earlyStopping === null || bestEpoch === null) {
      return;
    }
    if (bestEpoch === this.state.epoch - 1 && this.bestTensors === null) {
      // The last epoch is the best one: the network already contains its weights.
      return;
    }
    let tensors = this.bestTensors;
    if (tensors === null && this.state.bestState !== null) {
      tensors =
        this.options.checkpoints?.readTensors(this.state.bestState) ?? null;
    }
    if (tensors !== null) {
      this.options.network.setState(tensors);
    }
  }

  private saveCheckpoint(): void {
    const store = this.options.checkpoints;
    if (store === null) {
      return;
    }
    const target = store.save(this.state, this.options.network.getState());
    this.lastCheckpoint = target;
    this.emit({ type: "checkpoint", step: this.state.step, path: target });
  }

  private failNonFinite(
    step: number,
    epoch: number,
    batch: number,
    loss: number | null,
  ): never {
    this.emit({
      type: "end",
      reason: "nonFinite",
      step,
      epoch,
      bestEpoch: this.state.earlyStopping.bestEpoch,
      trainSeconds: this.state.trainSeconds,
    });
    throw new NonFiniteLossError(step, epoch, batch, loss, this.lastCheckpoint);
  }

  private warn(message: string): void {
    this.emit({ type: "warning", message });
  }

  private emit(event: TrainEvent): void {
    for (const listener of this.options.listeners) {
      listener(event);
    }
  }
}
