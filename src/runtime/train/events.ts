import type { QuantizerLevelStats } from "../types.js";

/**
 * The events a training run emits, in order: `start`, then `step` for every
 * optimizer step with `checkpoint` after the steps that save one, `epoch`
 * after every validation pass, `earlyStop` at most once, `warning` at any
 * point, and `end` last (also when the run stops on a non-finite loss).
 * Listeners render them (the CLI progress bar) or persist them (`log.jsonl`).
 */
export type TrainEvent =
  | StartEvent
  | StepEvent
  | EpochEvent
  | CheckpointEvent
  | EarlyStopEvent
  | WarningEvent
  | EndEvent;

/** Sent once before the first step. */
export interface StartEvent {
  readonly type: "start";
  readonly backend: string;
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  /** Steps the whole run takes unless it stops early. */
  readonly totalSteps: number;
  /** Where the run continues from: `step` 0 for a fresh run. */
  readonly epoch: number;
  readonly batch: number;
  readonly step: number;
  readonly resumed: boolean;
  /** True when the resumed run had already finished its loop and only evaluates. */
  readonly finished: boolean;
}

/** Sent after every optimizer step. `epoch` and `batch` count from 0. */
export interface StepEvent {
  readonly type: "step";
  /** Steps taken so far, this one included. */
  readonly step: number;
  readonly epoch: number;
  readonly batch: number;
  readonly loss: number;
  readonly taskLosses: Readonly<Record<string, number>>;
  readonly commitLoss: number | null;
  readonly lr: number;
  /** Rows of this batch divided by the wall time of its step. */
  readonly samplesPerSecond: number;
}

/**
 * Validation metrics of the primary task. A value is `null` when it is
 * undefined (no rows, or rows of one class) or, for `gauc`, not asked for.
 */
export interface ValidationMetrics {
  readonly auc: number | null;
  readonly logloss: number | null;
  readonly gauc: number | null;
  readonly rows: number;
  readonly positives: number;
}

/** Sent after the validation pass that ends an epoch (or the last, partial one). */
export interface EpochEvent {
  readonly type: "epoch";
  readonly epoch: number;
  readonly step: number;
  /** True when `max_steps` ended the epoch before its last batch. */
  readonly partial: boolean;
  readonly metrics: ValidationMetrics;
  readonly quantizer: readonly QuantizerLevelStats[];
  /** True when this epoch is the best so far by the early-stopping metric. */
  readonly improved: boolean;
  readonly trainSeconds: number;
}

/** Sent after a checkpoint directory has been renamed into place. */
export interface CheckpointEvent {
  readonly type: "checkpoint";
  readonly step: number;
  readonly path: string;
}

/** Sent when `patience` epochs passed without improvement. */
export interface EarlyStopEvent {
  readonly type: "earlyStop";
  readonly epoch: number;
  readonly bestEpoch: number;
  readonly metric: string;
  readonly best: number;
}

/** Something the user should see that does not stop the run. */
export interface WarningEvent {
  readonly type: "warning";
  readonly message: string;
}

/** Why a run ended. */
export type EndReason = "completed" | "maxSteps" | "earlyStop" | "nonFinite";

/** Sent last. */
export interface EndEvent {
  readonly type: "end";
  readonly reason: EndReason;
  readonly step: number;
  readonly epoch: number;
  /** The epoch whose weights the run keeps, or `null` when no epoch ended. */
  readonly bestEpoch: number | null;
  readonly trainSeconds: number;
}

/** Receives every event of a run, synchronously, in order. */
export type TrainListener = (event: TrainEvent) => void;
