/**
 * The contracts between the runtime's three parts: the data stage (CSV to
 * batches), the network (batches to losses and scores) and the trainer.
 * They depend only on the IR, never on the spec AST.
 */

/**
 * What the data stage learns from the training split and the network needs
 * to size its tables. Saved with every run and checkpoint, so evaluation
 * maps values exactly as training did.
 */
export interface Preprocessing {
  /** Per table: the vocabulary in row order, starting at `FIRST_VALUE_ROW`. */
  readonly vocabularies: Readonly<Record<string, readonly string[]>>;
  /** Per table: the number of rows, missing and OOV rows included. */
  readonly tableRows: Readonly<Record<string, number>>;
  /** Per numeric feature: statistics of the raw training values. */
  readonly numericStats: Readonly<
    Record<
      string,
      {
        readonly mean: number;
        readonly std: number;
        readonly min: number;
        readonly max: number;
        readonly count: number;
      }
    >
  >;
  /**
   * Scenario values in index order; the last one is `"__other__"` when
   * rare values were folded together. A single `"__all__"` when the
   * dataset has no scenario column.
   */
  readonly scenarios: readonly string[];
}

/** One batch of encoded rows, ready for the network. */
export interface Batch {
  readonly size: number;
  /** Per categorical feature (and bucketised numeric): table row ids, `[size]`. */
  readonly categorical: Readonly<Record<string, Int32Array>>;
  /** Per multi-value feature: row ids `[size * maxLength]`, `PADDING_ID` where empty. */
  readonly multi: Readonly<Record<string, Int32Array>>;
  /** Per scalar numeric feature: the transformed value, `[size]`. */
  readonly numeric: Readonly<Record<string, Float32Array>>;
  /** Scenario index of every row, `[size]`. */
  readonly scenario: Int32Array;
  /** Per task name: 0/1 labels, `[size]`. */
  readonly labels: Readonly<Record<string, Float32Array>>;
  /** Per-row loss weight, `[size]`; rows of weight 0 do not count anywhere. */
  readonly weights: Float32Array;
}

/** What one training step reports. All values are host numbers. */
export interface StepResult {
  /** The total loss: weighted task losses plus the quantizer terms. */
  readonly loss: number;
  /** Per task name: the mean binary cross-entropy of the batch. */
  readonly taskLosses: Readonly<Record<string, number>>;
  /** The commitment loss before its weight, or `null` without a hierarchy. */
  readonly commitLoss: number | null;
  /** Learning rate used for this step. */
  readonly lr: number;
}

/** Per-level code statistics of the quantizer over the batches since the last read. */
export interface QuantizerLevelStats {
  readonly level: number;
  /** Fraction of the K codes chosen at least once. */
  readonly usage: number;
  /** exp(entropy) of the code distribution; K when uniform, 1 when collapsed. */
  readonly perplexity: number;
  /** Codes whose moving-average count is below the reset threshold. */
  readonly deadCodes: number;
  /** Codes reset since the last read. */
  readonly resets: number;
}

/** Named tensors as host arrays: weights, optimizer slots and quantizer state. */
export interface NamedArrays {
  readonly [name: string]: { readonly shape: readonly number[]; readonly values: Float32Array };
}

/** A network built from a model IR, trained by the trainer one batch at a time. */
export interface Network {
  /** The backend that runs it (`wasm`, `cpu`, `tensorflow`, ...). */
  readonly backend: string;
  /** Runs forward, backward and the optimizer update for one batch. */
  trainStep(batch: Batch): StepResult;
  /** Returns per task name the click probabilities of every row, in inference mode. */
  predict(batch: Batch): Record<string, Float32Array>;
  /** Returns per-level quantizer statistics and starts a new window, or `[]` without a hierarchy. */
  readQuantizerStats(): QuantizerLevelStats[];
  /** Returns the codes each row gets at every level, `[size * levels]`, or `null` without a hierarchy. */
  assignCodes(batch: Batch): Int32Array | null;
  /** Copies out every weight and all optimizer and quantizer state, by name. */
  getState(): NamedArrays;
  /** Restores state saved by `getState`; names must match, order does not matter. */
  setState(state: NamedArrays): void;
  /** The number of optimizer steps taken so far. */
  readonly step: number;
  /** Writes the model in the tfjs layers format: `model.json` and weight files. */
  exportTfjs(directory: string): Promise<void>;
  /** Frees every tensor the network holds. */
  dispose(): void;
}
