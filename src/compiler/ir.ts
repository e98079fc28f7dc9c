/**
 * The hmdnc intermediate representation (IR): what `hmdnc compile` writes
 * and the only thing the runtime reads.
 *
 * Invariants:
 * - plain JSON (no `undefined`, no class instances), so an IR file alone can
 *   drive training;
 * - fully defaulted: every setting the runtime needs is present, so the
 *   runtime never invents a default;
 * - no source positions: nodes carry a stable `id`, and `IrSpanTable` maps
 *   ids back to spec spans for messages;
 * - names are resolved: every feature, group and column reference is valid.
 *
 * `ir.schema.json` describes the same shapes; a test keeps the two in step.
 */

export const IR_VERSION = 1;

/** A compiled model: one trainable network with its data and training plan. */
export interface ModelIr {
  readonly irVersion: typeof IR_VERSION;
  readonly kind: "model";
  readonly id: string;
  readonly name: string;
  readonly dataset: DatasetIr;
  /** Every feature, in the order its embedding (or value) appears in `E`. */
  readonly features: readonly FeatureIr[];
  readonly groups: readonly GroupIr[];
  /** Embedding tables; a table named by several features is shared. */
  readonly tables: readonly TableIr[];
  /** The HMDN quantizer, or `null` for a plain backbone. */
  readonly hierarchy: HierarchyIr | null;
  readonly backbone: BackboneIr;
  /** One or more binary tasks; the first is the primary one for metrics. */
  readonly tasks: readonly TaskIr[];
  readonly train: TrainIr;
  readonly evaluate: EvaluateIr;
}

// ---------------------------------------------------------------- data

export interface DatasetIr {
  readonly id: string;
  readonly name: string;
  readonly source: CsvSourceIr;
  /** The scenario column; rows are routed to per-scenario gates and towers by it. */
  readonly scenario: ScenarioIr | null;
  /** Columns that name user populations (used by reports and `explicit` views). */
  readonly populations: readonly string[];
  readonly split: SplitIr;
}

export interface CsvSourceIr {
  /** Absolute path, resolved against the directory of the spec that named it. */
  readonly path: string;
  readonly delimiter: string;
  /** Field values that mean "missing", compared after unquoting. */
  readonly missingValues: readonly string[];
  /** What a malformed row does: stop with a positioned error, or be skipped and counted. */
  readonly badRows: "error" | "skip";
}

export interface ScenarioIr {
  readonly column: string;
  /** Keep at most this many most frequent training values; the rest share one "other" scenario. */
  readonly top: number | null;
  /** Values with fewer training rows than this join the "other" scenario. */
  readonly minRows: number;
}

export type SplitIr =
  | {
      /** Rows are assigned to a part by a seeded hash of their row number. */
      readonly kind: "random";
      readonly seed: number;
      readonly valid: number;
      readonly test: number;
    }
  | {
      /** The last fractions of the file, in file order (a time split for time-ordered logs). */
      readonly kind: "ordered";
      readonly valid: number;
      readonly test: number;
    }
  | {
      /** Rows whose `column` value is listed go to validation or test; the rest train. */
      readonly kind: "column";
      readonly column: string;
      readonly valid: readonly string[];
      readonly test: readonly string[];
    };

// ------------------------------------------------------------ features

/**
 * Id layout shared by the data stage and the runtime, for every table:
 * row 0 is the missing-value row, row 1 the out-of-vocabulary row, and
 * rows 2.. hold the vocabulary (or the hash buckets) in order.
 */
export const MISSING_ROW = 0;
export const OOV_ROW = 1;
export const FIRST_VALUE_ROW = 2;
/** Multi-value padding id: masked out of pooling, never looked up. */
export const PADDING_ID = -1;

export type FeatureIr =
  | CategoricalFeatureIr
  | MultiFeatureIr
  | NumericFeatureIr;

interface FeatureBase {
  readonly id: string;
  readonly name: string;
  /** The CSV column the feature reads. */
  readonly column: string;
  readonly group: string;
}

/** What a missing categorical value becomes. */
export type CategoricalMissing = "row" | "oov" | "error";

export interface CategoricalFeatureIr extends FeatureBase {
  readonly kind: "categorical";
  readonly table: string;
  readonly missing: CategoricalMissing;
}

export interface MultiFeatureIr extends FeatureBase {
  readonly kind: "multi";
  readonly table: string;
  readonly separator: string;
  readonly pooling: "mean" | "sum" | "max";
  /** Values past this many are dropped; shorter rows are padded with `PADDING_ID`. */
  readonly maxLength: number;
  /** An empty field: one id of the missing row, or an error. */
  readonly missing: "row" | "error";
}

export interface NumericFeatureIr extends FeatureBase {
  readonly kind: "numeric";
  readonly missing: NumericMissing;
  readonly transform: NumericTransform;
}

export type NumericMissing =
  | { readonly policy: "zero" }
  | { readonly policy: "mean" }
  | { readonly policy: "value"; readonly value: number }
  | { readonly policy: "error" };

/**
 * How a numeric value enters the network. The scalar transforms add one
 * column to `E`; `buckets` turns the value into a categorical id
 * (`FIRST_VALUE_ROW + bucket index`, the missing row when missing) looked
 * up in `table`. Statistics (mean, deviation, min, max) come from the
 * training split.
 */
export type NumericTransform =
  | { readonly kind: "none" | "zscore" | "minmax" | "log1p" }
  | {
      readonly kind: "buckets";
      /** Sorted; value v falls in bucket i when boundaries[i-1] <= v < boundaries[i]. */
      readonly boundaries: readonly number[];
      readonly table: string;
    };

export interface GroupIr {
  readonly name: string;
  readonly features: readonly string[];
}

export interface TableIr {
  readonly id: string;
  readonly name: string;
  readonly dim: number;
  readonly vocabulary:
    | {
        readonly kind: "vocabulary";
        /** Training-split values seen fewer times map to the OOV row. */
        readonly minCount: number;
        /** Keep only the most frequent values, or all when `null`. */
        readonly maxSize: number | null;
      }
    | {
        readonly kind: "hash";
        /** Rows 2..2+buckets-1; a value's row is FIRST_VALUE_ROW + fnv1a32(value) % buckets. */
        readonly buckets: number;
      }
    | {
        /** Bucketised numeric values: one row per bucket, boundaries.length + 1 of them. */
        readonly kind: "buckets";
        readonly buckets: number;
      };
  /** Feature names that read this table, in feature order. */
  readonly features: readonly string[];
}

// ------------------------------------------------------------ hierarchy

export interface HierarchyIr {
  readonly id: string;
  readonly view: "explicit" | "implicit" | "both";
  /** Features whose embeddings feed the explicit view (empty unless the view uses it). */
  readonly explicit: readonly string[];
  /** Features (groups expanded) whose embeddings feed the implicit view. */
  readonly implicit: readonly string[];
  /**
   * Hidden ReLU widths of each view, before its `Linear` map to `codeDim`;
   * empty makes a view one `Linear` map.
   */
  readonly viewLayers: readonly number[];
  /** D: the number of residual quantization levels (1 is plain VQ). */
  readonly levels: number;
  /** K: codes per codebook. */
  readonly codebookSize: number;
  /** Width of the quantized vector and of each code. */
  readonly codeDim: number;
  /** Weight of the commitment loss in the total loss. */
  readonly beta: number;
  readonly update:
    | {
        readonly kind: "ema";
        readonly decay: number;
        /** Laplace smoothing of the cluster sizes. */
        readonly epsilon: number;
      }
    | {
        readonly kind: "gradient";
        /** Weight of the codebook loss `sum_d ||sg(r_{d-1}) - e_{c_d}||^2`. */
        readonly weight: number;
      };
  readonly codebooks: "shared" | "per_level";
  readonly deadCodes: {
    readonly reset: boolean;
    /** A code whose moving-average count falls below this is reset. */
    readonly threshold: number;
  };
  readonly init: "kmeans++" | "random";
}

// ------------------------------------------------------------- backbone

export type Activation =
  | "relu"
  | "leaky_relu"
  | "gelu"
  | "swish"
  | "tanh"
  | "sigmoid"
  | "linear";

export type Norm = "none" | "batch" | "layer";

/**
 * How a backbone consumes the hierarchy vector `s_D`:
 * - `gates`: every MoE gate reads `concat(E, s_D)`;
 * - `modulate`: an EPNet-style gate `2 sigmoid(MLP(concat(s_D, sg(E))))` scales `E`;
 * - `condition`: `s_D` is appended to the model's own condition vector;
 * - `modulate_condition`: both of the above (the Dynamic-Weight default);
 * - `off`: not at all (always `off` when `hierarchy` is `null`).
 */
export type HierarchyUse =
  | "off"
  | "gates"
  | "modulate"
  | "condition"
  | "modulate_condition";

interface BackboneBase {
  readonly id: string;
  readonly activation: Activation;
  readonly dropout: number;
  readonly norm: Norm;
  readonly hierarchyUse: HierarchyUse;
}

export type BackboneIr =
  | SharedBottomIr
  | MmoeIr
  | PleIr
  | StarIr
  | M2mIr
  | ApgIr
  | PepnetIr;

/** `h = MLP(E)`, then the task towers. */
export interface SharedBottomIr extends BackboneBase {
  readonly kind: "shared_bottom";
  readonly layers: readonly number[];
}

/** Experts `f_i(E)`; one softmax gate per unit (task, and scenario when towers are per scenario). */
export interface MmoeIr extends BackboneBase {
  readonly kind: "mmoe";
  readonly experts: number;
  readonly expertLayers: readonly number[];
}

/** Multi-level CGC: per-unit experts plus shared experts, a gate per unit and a shared gate between levels. */
export interface PleIr extends BackboneBase {
  readonly kind: "ple";
  readonly levels: number;
  readonly sharedExperts: number;
  readonly specificExperts: number;
  readonly expertLayers: readonly number[];
}

/** Star topology: `W_shared * W_p`, `b_shared + b_p`, partitioned norm, auxiliary network on the scenario. */
export interface StarIr extends BackboneBase {
  readonly kind: "star";
  readonly layers: readonly number[];
  readonly partitionedNorm: boolean;
  /** Hidden widths of the auxiliary network; empty means a linear auxiliary logit. */
  readonly auxiliaryLayers: readonly number[];
}

/** A scenario representation generates a meta attention over experts and a meta tower. */
export interface M2mIr extends BackboneBase {
  readonly kind: "m2m";
  readonly experts: number;
  readonly expertLayers: readonly number[];
  /** Width of the scenario representation. */
  readonly scenarioDim: number;
  /** Hidden widths of the meta tower. */
  readonly metaLayers: readonly number[];
}

/** Per-sample layers `act(U S(z) V h + b)` with a generated core `S(z)` of size `rank x rank`. */
export interface ApgIr extends BackboneBase {
  readonly kind: "apg";
  readonly layers: readonly number[];
  readonly rank: number;
  /** What the condition `z` is built from. */
  readonly condition: "scenario" | "input" | "both";
  /** Width of the scenario embedding in the condition. */
  readonly scenarioDim: number;
}

/** EPNet gates the embeddings on the scenario features; PPNet gates each tower layer on id features. */
export interface PepnetIr extends BackboneBase {
  readonly kind: "pepnet";
  readonly layers: readonly number[];
  readonly epnet: boolean;
  readonly ppnet: boolean;
  /** Hidden width of every gate unit's MLP. */
  readonly gateHidden: number;
  /** Features whose embeddings feed the EPNet gate (with `sg(E)`). */
  readonly epnetFeatures: readonly string[];
  /** Features whose embeddings feed the PPNet gates (with `sg(E')`). */
  readonly ppnetFeatures: readonly string[];
  /** Width of the scenario embedding added to the EPNet gate input. */
  readonly scenarioDim: number;
}

// ---------------------------------------------------------------- heads

export interface TaskIr {
  readonly id: string;
  readonly name: string;
  /** The 0/1 label column. */
  readonly label: string;
  /** Binary cross-entropy computed from logits. */
  readonly loss: "bce";
  readonly weight: number;
  /** Hidden widths of the tower; a final width-1 logit layer is implied. */
  readonly tower: readonly number[];
  /** One tower per scenario (each row reads its own) or one for all rows. */
  readonly towers: "per_scenario" | "shared";
}

// ------------------------------------------------------- train and eval

export interface TrainIr {
  readonly optimizer:
    | {
        readonly kind: "adam";
        readonly lr: number;
        readonly beta1: number;
        readonly beta2: number;
        readonly epsilon: number;
      }
    | {
        readonly kind: "adagrad";
        readonly lr: number;
        readonly initialAccumulator: number;
      }
    | { readonly kind: "sgd"; readonly lr: number; readonly momentum: number };
  readonly schedule:
    | { readonly kind: "constant" }
    | {
        readonly kind: "cosine";
        readonly warmupSteps: number;
        readonly minLr: number;
      }
    | { readonly kind: "step"; readonly every: number; readonly gamma: number }
    | {
        readonly kind: "exponential";
        readonly every: number;
        readonly gamma: number;
      };
  readonly batchSize: number;
  readonly epochs: number;
  /** Stop after this many steps in all, or `null` to run every epoch. */
  readonly maxSteps: number | null;
  readonly seed: number;
  /** L2 penalty on dense weights (not on embeddings or codebooks). */
  readonly l2: number;
  /** Clip the global gradient norm to this, or `null`. */
  readonly gradClip: number | null;
  readonly earlyStopping: {
    readonly metric: "auc" | "logloss" | "gauc";
    /** Epochs without improvement before training stops. */
    readonly patience: number;
    readonly minDelta: number;
  } | null;
  readonly checkpoint: {
    /** Write a checkpoint every this many steps, or only at epoch ends when `null`. */
    readonly everySteps: number | null;
    /** How many checkpoints to keep. */
    readonly keep: number;
  };
}

export interface EvaluateIr {
  readonly metrics: readonly ("auc" | "logloss" | "gauc")[];
  /** The GAUC grouping column, or `null` when `gauc` is not asked for. */
  readonly gaucBy: string | null;
  readonly perScenario: boolean;
  readonly batchSize: number;
}

// ---------------------------------------------------------- experiments

/** A compiled experiment: every variant as a full model IR, run once per seed. */
export interface ExperimentIr {
  readonly irVersion: typeof IR_VERSION;
  readonly kind: "experiment";
  readonly id: string;
  readonly name: string;
  readonly variants: readonly ExperimentVariantIr[];
  readonly seeds: readonly number[];
  readonly report: {
    readonly metrics: readonly ("auc" | "logloss" | "gauc")[];
    readonly perScenario: boolean;
  };
}

export interface ExperimentVariantIr {
  readonly name: string;
  /** The `vary` settings that produced this variant, by path (`hierarchy.levels`: 6). */
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  readonly model: ModelIr;
}

/** Maps IR node ids to the spec text they came from. */
export interface IrSpanTable {
  readonly [id: string]: {
    readonly file: string;
    readonly start: number;
    readonly end: number;
  };
}
