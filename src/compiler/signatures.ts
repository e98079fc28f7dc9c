/**
 * The block signatures of the hmdnc language: one table per block kind,
 * with every key's type, default and range. The checker decodes spec
 * blocks with these tables, `docs/language.md` renders its key tables from
 * them (a test keeps the doc current) and the editor uses them for
 * completion and hover.
 */

import type {
  ArgSignature,
  BlockSignature,
  KeySignature,
  SettingValue,
  ValueType,
} from "./signature-types.js";

const positiveInt: ValueType = { t: "int", min: 1 };
const count: ValueType = { t: "int", min: 0 };
const fraction: ValueType = {
  t: "number",
  min: 0,
  max: 1,
  maxExclusive: true,
};
const positive: ValueType = { t: "number", min: 0, minExclusive: true };
const nonNegative: ValueType = { t: "number", min: 0 };
const widths: ValueType = { t: "list", of: positiveInt };
const column: ValueType = { t: "name", of: "column" };
const featureNames: ValueType = { t: "name", of: "feature" };

function arg(
  name: string,
  type: ValueType,
  doc: string,
  defaultValue?: SettingValue,
): ArgSignature {
  return defaultValue === undefined
    ? { name, type, doc }
    : { name, type, doc, default: defaultValue };
}

// ------------------------------------------------------------- dataset

const scenarioBlock: BlockSignature = {
  name: "scenario",
  doc: "How scenario values are kept.",
  keys: [
    {
      key: "top",
      doc: "Keep only the N most frequent training values; the rest share one `other` scenario.",
      type: { t: "nullable", of: positiveInt },
      default: null,
      defaultDoc: "`none` (keep all)",
    },
    {
      key: "min_rows",
      doc: "Values with fewer training rows join the `other` scenario.",
      type: positiveInt,
      default: 1,
    },
  ],
};

/** `dataset NAME { .. }`: a CSV file and how to read and split it. */
export const datasetSignature: BlockSignature = {
  name: "dataset",
  doc: "A CSV file, its distribution columns and its train/valid/test split.",
  keys: [
    {
      key: "source",
      doc: "CSV path, relative to the spec file that declares the dataset.",
      type: { t: "string" },
      required: true,
    },
    {
      key: "scenario",
      doc: "The scenario column: rows are routed to per-scenario gates and towers by it.",
      type: column,
      block: scenarioBlock,
      default: null,
      defaultDoc: "none (a single scenario)",
    },
    {
      key: "populations",
      doc: "Columns that name user populations (reports and the explicit hierarchy view).",
      type: column,
      arity: "many",
      default: [],
    },
    {
      key: "split",
      doc: "How rows are assigned to train, validation and test.",
      type: {
        t: "call",
        options: {
          random: {
            doc: "A seeded hash of the row number picks the part.",
            args: [
              arg("seed", count, "Hash seed.", 2024),
              arg("valid", fraction, "Validation fraction.", 0.1),
              arg("test", fraction, "Test fraction.", 0.1),
            ],
          },
          ordered: {
            doc: "The last fractions of the file, in file order (a time split).",
            args: [
              arg("valid", fraction, "Validation fraction.", 0.1),
              arg("test", fraction, "Test fraction.", 0.1),
            ],
          },
          column: {
            doc: "Rows whose column value is listed go to validation or test.",
            args: [
              arg("column", column, "The column to read."),
              arg(
                "valid",
                { t: "list", of: { t: "string" } },
                "Validation values.",
              ),
              arg("test", { t: "list", of: { t: "string" } }, "Test values."),
            ],
          },
        },
      },
      default: { kind: "random", seed: 2024, valid: 0.1, test: 0.1 },
    },
    {
      key: "missing",
      doc: "Field values that mean missing, compared after unquoting.",
      type: { t: "string" },
      arity: "many",
      default: [""],
    },
    {
      key: "delimiter",
      doc: "Field separator.",
      type: { t: "string", maxLength: 1 },
      default: ",",
    },
    {
      key: "bad_rows",
      doc: "A malformed row stops reading with an error, or is skipped and counted.",
      type: { t: "enum", values: ["error", "skip"] },
      default: "error",
    },
  ],
};

// ------------------------------------------------------------ features

const embeddingKey = (defaultDoc: string): KeySignature => ({
  key: "embedding",
  doc: "Embedding width.",
  type: positiveInt,
  defaultDoc,
});

const columnKey: KeySignature = {
  key: "column",
  doc: "The CSV column the feature reads.",
  type: column,
  defaultDoc: "the feature name",
};

const vocabularyKeys: readonly KeySignature[] = [
  {
    key: "min_count",
    doc: "Training values seen fewer times map to the OOV row.",
    type: positiveInt,
    default: 1,
  },
  {
    key: "max_size",
    doc: "Keep only the most frequent values.",
    type: { t: "nullable", of: positiveInt },
    default: null,
    defaultDoc: "`none` (keep all)",
  },
  {
    key: "hash",
    doc: "Hash values into this many buckets instead of building a vocabulary.",
    type: positiveInt,
    defaultDoc: "none (a vocabulary)",
  },
  {
    key: "table",
    doc: "Embedding table name; features naming the same table share it.",
    type: { t: "name", of: "table" },
    defaultDoc: "the feature name",
  },
];

const categoricalBlock: BlockSignature = {
  name: "categorical",
  doc: "A single-valued categorical feature, looked up in an embedding table.",
  keys: [
    columnKey,
    ...vocabularyKeys,
    {
      key: "missing",
      doc: "A missing value reads the missing row, the OOV row, or is an error.",
      type: { t: "enum", values: ["row", "oov", "error"] },
      default: "row",
    },
    embeddingKey("the group's `embedding`"),
  ],
};

const numericBlock: BlockSignature = {
  name: "numeric",
  doc: "A numeric feature: one scalar column of `E`, or bucketised into an embedding.",
  keys: [
    columnKey,
    {
      key: "missing",
      doc: "What a missing value becomes: zero, the training mean, a number, or an error.",
      type: {
        t: "union",
        of: [{ t: "enum", values: ["zero", "mean", "error"] }, { t: "number" }],
      },
      default: "zero",
    },
    {
      key: "normalize",
      doc: "Scalar transform; statistics come from the training split.",
      type: { t: "enum", values: ["none", "zscore", "minmax", "log1p"] },
      default: "zscore",
    },
    {
      key: "buckets",
      doc: "Sorted boundaries: the value becomes a bucket id looked up in a table.",
      type: { t: "list", of: { t: "number" }, minItems: 1 },
      defaultDoc: "none (a scalar)",
    },
    {
      key: "table",
      doc: "Bucket table name (only with `buckets`).",
      type: { t: "name", of: "table" },
      defaultDoc: "the feature name",
    },
    embeddingKey("the group's `embedding` (only with `buckets`)"),
  ],
};

const multiBlock: BlockSignature = {
  name: "multi",
  doc: "A multi-valued categorical feature, pooled over its values.",
  keys: [
    columnKey,
    {
      key: "separator",
      doc: "Separator between the values of one field.",
      type: { t: "string", maxLength: 1 },
      default: "|",
    },
    {
      key: "pooling",
      doc: "How the value embeddings are combined.",
      type: { t: "enum", values: ["mean", "sum", "max"] },
      default: "mean",
    },
    {
      key: "max_length",
      doc: "Values past this many are dropped.",
      type: positiveInt,
      default: 8,
    },
    ...vocabularyKeys,
    {
      key: "missing",
      doc: "An empty field reads the missing row, or is an error.",
      type: { t: "enum", values: ["row", "error"] },
      default: "row",
    },
    embeddingKey("the group's `embedding`"),
  ],
};

/** The feature kinds. */
export type FeatureKind = "categorical" | "numeric" | "multi";

/** The block signature of each feature kind. */
export const featureSignatures: Readonly<Record<FeatureKind, BlockSignature>> =
  {
    categorical: categoricalBlock,
    numeric: numericBlock,
    multi: multiBlock,
  };

const featureKeys: readonly KeySignature[] = [
  {
    key: "categorical",
    doc: "Declares categorical features (`categorical a, b { .. }`).",
    named: true,
    block: categoricalBlock,
  },
  {
    key: "numeric",
    doc: "Declares numeric features.",
    named: true,
    block: numericBlock,
  },
  {
    key: "multi",
    doc: "Declares multi-valued features.",
    named: true,
    block: multiBlock,
  },
];

const groupBlock: BlockSignature = {
  name: "group",
  doc: "A named set of features; the network input `E` is every group's features in order.",
  keys: [embeddingKey("the features block's `embedding`"), ...featureKeys],
};

/** `features NAME { .. }`: the model inputs, in groups. */
export const featuresSignature: BlockSignature = {
  name: "features",
  doc: "Feature declarations in groups. A feature outside every group is not a model input.",
  keys: [
    { ...embeddingKey(""), default: 16 },
    {
      key: "group",
      doc: "A group of features.",
      named: true,
      block: groupBlock,
      blockRequired: true,
    },
    ...featureKeys,
  ],
};

// ----------------------------------------------------------- hierarchy

/** `hierarchy { .. }` in a model: the HMDN residual quantizer. */
export const hierarchySignature: BlockSignature = {
  name: "hierarchy",
  doc: "The HMDN residual quantizer whose coarse-to-fine vector `s_D` drives the backbone.",
  keys: [
    {
      key: "view",
      doc: "Which features the quantized vector is extracted from.",
      type: { t: "enum", values: ["explicit", "implicit", "both"] },
      default: "both",
    },
    {
      key: "explicit",
      doc: "Features of the explicit view.",
      type: featureNames,
      arity: "many",
      defaultDoc: "the features reading the scenario or a population column",
    },
    {
      key: "implicit",
      doc: "Features or groups (expanded) of the implicit view.",
      type: { t: "name", of: "feature_or_group" },
      arity: "many",
      defaultDoc: "every feature",
    },
    {
      key: "view_layers",
      doc: "Hidden ReLU widths of each view before its Linear map to `dim`; with none, a view is linear in the embeddings.",
      type: widths,
      default: [],
    },
    {
      key: "levels",
      doc: "D, the number of residual levels (1 is plain vector quantization).",
      type: { t: "int", min: 1, max: 32 },
      default: 6,
    },
    {
      key: "codebook",
      doc: "K, codes per codebook.",
      type: { t: "int", min: 2 },
      default: 32,
    },
    {
      key: "dim",
      doc: "Width of the quantized vector and of each code.",
      type: positiveInt,
      default: 32,
    },
    {
      key: "beta",
      doc: "Weight of the commitment loss.",
      type: nonNegative,
      default: 0.25,
    },
    {
      key: "update",
      doc: "How codes are learned.",
      type: {
        t: "call",
        options: {
          ema: {
            doc: "Exponential moving averages of the assigned residuals.",
            args: [
              arg(
                "decay",
                {
                  t: "number",
                  min: 0,
                  max: 1,
                  minExclusive: true,
                  maxExclusive: true,
                },
                "Moving-average decay.",
                0.99,
              ),
              arg(
                "epsilon",
                positive,
                "Laplace smoothing of the cluster sizes.",
                1e-5,
              ),
            ],
          },
          gradient: {
            doc: "A codebook loss trained by the optimizer.",
            args: [arg("weight", positive, "Weight of the codebook loss.", 1)],
          },
        },
      },
      default: { kind: "ema", decay: 0.99, epsilon: 1e-5 },
    },
    {
      key: "codebooks",
      doc: "One codebook for every level, or one per level.",
      type: { t: "enum", values: ["shared", "per_level"] },
      default: "shared",
    },
    {
      key: "dead_codes",
      doc: "Reset codes whose moving-average count falls below the threshold, or keep them.",
      type: {
        t: "call",
        options: {
          reset: {
            doc: "Reset to a random residual of the batch.",
            args: [arg("threshold", nonNegative, "Count threshold.", 1)],
          },
          keep: { doc: "Never reset.", args: [] },
        },
      },
      default: { kind: "reset", threshold: 1 },
    },
    {
      key: "init",
      doc: "Codebook initialisation from the first batch's residuals: k-means++ seeding (`kmeans`) or random picks.",
      type: { t: "enum", values: ["kmeans", "random"] },
      default: "kmeans",
    },
  ],
};

// ------------------------------------------------------------ backbones

/** Every backbone kind, in documentation order. */
export const backboneKinds = [
  "shared_bottom",
  "mmoe",
  "ple",
  "star",
  "m2m",
  "apg",
  "pepnet",
] as const;

/** A backbone kind. */
export type BackboneKind = (typeof backboneKinds)[number];

/** The hierarchy uses each backbone supports; the first is the default. */
export const hierarchyUses: Readonly<Record<BackboneKind, readonly string[]>> =
  {
    shared_bottom: ["modulate", "off"],
    mmoe: ["gates", "modulate", "off"],
    ple: ["gates", "modulate", "off"],
    star: ["modulate_condition", "modulate", "condition", "off"],
    m2m: ["modulate_condition", "modulate", "condition", "off"],
    apg: ["modulate_condition", "modulate", "condition", "off"],
    pepnet: ["modulate_condition", "modulate", "condition", "off"],
  };

const commonBackboneKeys = (kind: BackboneKind): KeySignature[] => [
  {
    key: "activation",
    doc: "Hidden-layer activation.",
    type: {
      t: "enum",
      values: [
        "relu",
        "leaky_relu",
        "gelu",
        "swish",
        "tanh",
        "sigmoid",
        "linear",
      ],
    },
    default: "relu",
  },
  {
    key: "dropout",
    doc: "Dropout rate after hidden layers.",
    type: fraction,
    default: 0,
  },
  {
    key: "norm",
    doc: "Normalisation after hidden layers.",
    type: { t: "enum", values: ["none", "batch", "layer"] },
    default: "none",
  },
  {
    key: "hierarchy",
    doc: "How the backbone consumes `s_D`.",
    type: {
      t: "enum",
      values: ["off", "gates", "modulate", "condition", "modulate_condition"],
    },
    defaultDoc: `\`${hierarchyUses[kind][0]}\` with a hierarchy, else \`off\``,
  },
];

const layersKey = (defaultValue: number[]): KeySignature => ({
  key: "layers",
  doc: "Hidden widths.",
  type: widths,
  default: defaultValue,
});

const expertKeys = (experts: number): KeySignature[] => [
  {
    key: "experts",
    doc: "Number of experts.",
    type: positiveInt,
    default: experts,
  },
  {
    key: "expert_layers",
    doc: "Hidden widths of each expert.",
    type: widths,
    default: [256, 128],
  },
];

const scenarioDimKey: KeySignature = {
  key: "scenario_dim",
  doc: "Width of the scenario embedding.",
  type: positiveInt,
  default: 16,
};

const backboneSpecific: Readonly<Record<BackboneKind, KeySignature[]>> = {
  shared_bottom: [layersKey([256, 128, 64])],
  mmoe: expertKeys(4),
  ple: [
    {
      key: "levels",
      doc: "Stacked extraction levels.",
      type: positiveInt,
      default: 2,
    },
    {
      key: "shared_experts",
      doc: "Shared experts per level.",
      type: positiveInt,
      default: 2,
    },
    {
      key: "specific_experts",
      doc: "Experts per unit (task, and scenario with per-scenario towers) per level.",
      type: positiveInt,
      default: 1,
    },
    expertKeys(0)[1],
  ],
  star: [
    layersKey([256, 128, 64]),
    {
      key: "partitioned_norm",
      doc: "Per-scenario scale and shift on the input.",
      type: { t: "bool" },
      default: true,
    },
    {
      key: "auxiliary_layers",
      doc: "Hidden widths of the auxiliary network on the scenario; `[]` is linear.",
      type: { t: "list", of: positiveInt },
      default: [64],
    },
  ],
  m2m: [
    ...expertKeys(4),
    scenarioDimKey,
    {
      key: "meta_layers",
      doc: "Hidden widths of the meta tower.",
      type: widths,
      default: [64],
    },
  ],
  apg: [
    layersKey([256, 128, 64]),
    {
      key: "rank",
      doc: "Size of the generated core `S(z)`.",
      type: positiveInt,
      default: 8,
    },
    {
      key: "condition",
      doc: "What the generator's condition `z` is built from.",
      type: { t: "enum", values: ["scenario", "input", "both"] },
      default: "scenario",
    },
    scenarioDimKey,
  ],
  pepnet: [
    layersKey([256, 128, 64]),
    {
      key: "epnet",
      doc: "Gate the embeddings (EPNet).",
      type: { t: "bool" },
      default: true,
    },
    {
      key: "ppnet",
      doc: "Gate each tower layer (PPNet).",
      type: { t: "bool" },
      default: true,
    },
    {
      key: "gate_hidden",
      doc: "Hidden width of each gate MLP.",
      type: positiveInt,
      default: 64,
    },
    {
      key: "epnet_features",
      doc: "Features feeding the EPNet gate.",
      type: featureNames,
      arity: "many",
      defaultDoc: "the features reading the scenario or a population column",
    },
    {
      key: "ppnet_features",
      doc: "Features feeding the PPNet gates.",
      type: featureNames,
      arity: "many",
      defaultDoc: "the categorical features whose column ends in `_id`",
    },
    scenarioDimKey,
  ],
};

/** `backbone KIND { .. }` signatures by kind. */
export const backboneSignatures: Readonly<
  Record<BackboneKind, BlockSignature>
> = Object.fromEntries(
  backboneKinds.map((kind) => [
    kind,
    {
      name: `backbone ${kind}`,
      doc: `The \`${kind}\` backbone.`,
      keys: [...backboneSpecific[kind], ...commonBackboneKeys(kind)],
    },
  ]),
) as unknown as Record<BackboneKind, BlockSignature>;

// --------------------------------------------------------- task, train

const taskBlock: BlockSignature = {
  name: "task",
  doc: "A binary prediction task.",
  keys: [
    {
      key: "label",
      doc: "The 0/1 label column.",
      type: column,
      required: true,
    },
    {
      key: "loss",
      doc: "Binary cross-entropy from logits.",
      type: { t: "enum", values: ["bce"] },
      default: "bce",
    },
    {
      key: "weight",
      doc: "Weight of this task's loss.",
      type: positive,
      default: 1,
    },
    {
      key: "tower",
      doc: "Hidden widths of the tower; a width-1 logit layer is implied.",
      type: { t: "list", of: positiveInt },
      default: [64],
    },
    {
      key: "towers",
      doc: "One tower per scenario, or one shared tower.",
      type: { t: "enum", values: ["per_scenario", "shared"] },
      defaultDoc: "`per_scenario` with a scenario column, else `shared`",
    },
  ],
};

const metricType: ValueType = {
  t: "call",
  options: {
    auc: { doc: "Area under the ROC curve.", args: [] },
    logloss: { doc: "Mean binary cross-entropy.", args: [] },
    gauc: {
      doc: "AUC per group of `by`, weighted by group size.",
      args: [arg("by", column, "Grouping column.")],
    },
  },
};

const rate = (defaultValue: number): ArgSignature =>
  arg("lr", positive, "Learning rate.", defaultValue);

const trainBlock: BlockSignature = {
  name: "train",
  doc: "Optimizer, schedule and training loop.",
  keys: [
    {
      key: "optimizer",
      doc: "The dense-weight optimizer.",
      type: {
        t: "call",
        options: {
          adam: {
            doc: "Adam.",
            args: [
              rate(1e-3),
              arg("beta1", fraction, "First-moment decay.", 0.9),
              arg("beta2", fraction, "Second-moment decay.", 0.999),
              arg("epsilon", positive, "Denominator offset.", 1e-8),
            ],
          },
          adagrad: {
            doc: "Adagrad.",
            args: [
              rate(0.01),
              arg(
                "initial_accumulator",
                nonNegative,
                "Initial accumulator value.",
                0.1,
              ),
            ],
          },
          sgd: {
            doc: "Stochastic gradient descent with momentum.",
            args: [rate(0.01), arg("momentum", fraction, "Momentum.", 0)],
          },
        },
      },
      default: {
        kind: "adam",
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
      },
    },
    {
      key: "schedule",
      doc: "Learning-rate schedule, in steps.",
      type: {
        t: "call",
        options: {
          constant: { doc: "Constant rate.", args: [] },
          cosine: {
            doc: "Linear warm-up, then cosine decay to `min_lr` at the last step.",
            args: [
              arg("warmup", count, "Warm-up steps.", 0),
              arg("min_lr", nonNegative, "Final rate.", 0),
            ],
          },
          step: {
            doc: "Multiply by `gamma` every `every` steps.",
            args: [
              arg("every", positiveInt, "Steps between decays.", 1000),
              arg("gamma", positive, "Decay factor.", 0.5),
            ],
          },
          exponential: {
            doc: "Multiply by `gamma^(step / every)`.",
            args: [
              arg("every", positiveInt, "Steps per decay.", 1000),
              arg("gamma", positive, "Decay factor.", 0.96),
            ],
          },
        },
      },
      default: { kind: "constant" },
    },
    { key: "batch", doc: "Rows per step.", type: positiveInt, default: 1024 },
    {
      key: "epochs",
      doc: "Passes over the training split.",
      type: positiveInt,
      default: 1,
    },
    {
      key: "max_steps",
      doc: "Stop after this many steps in all.",
      type: { t: "nullable", of: positiveInt },
      default: null,
      defaultDoc: "`none` (every epoch)",
    },
    {
      key: "seed",
      doc: "Initialisation and shuffling seed.",
      type: count,
      default: 1,
    },
    {
      key: "l2",
      doc: "L2 penalty on dense weights.",
      type: nonNegative,
      default: 0,
    },
    {
      key: "grad_clip",
      doc: "Clip the global gradient norm.",
      type: { t: "nullable", of: positive },
      default: null,
      defaultDoc: "`none`",
    },
    {
      key: "early_stopping",
      doc: "Stop when the validation metric stops improving.",
      block: {
        name: "early_stopping",
        doc: "Early stopping on the validation split.",
        keys: [
          {
            key: "metric",
            doc: "The watched metric.",
            type: { t: "enum", values: ["auc", "logloss", "gauc"] },
            default: "auc",
          },
          {
            key: "patience",
            doc: "Epochs without improvement.",
            type: positiveInt,
            default: 1,
          },
          {
            key: "min_delta",
            doc: "Smallest improvement.",
            type: nonNegative,
            default: 0,
          },
        ],
      },
      blockRequired: true,
      defaultDoc: "off",
    },
    {
      key: "checkpoint",
      doc: "Checkpoint policy.",
      block: {
        name: "checkpoint",
        doc: "When checkpoints are written and how many are kept.",
        keys: [
          {
            key: "every",
            doc: "Steps between checkpoints.",
            type: { t: "nullable", of: positiveInt },
            default: null,
            defaultDoc: "`none` (at epoch ends)",
          },
          {
            key: "keep",
            doc: "Checkpoints kept.",
            type: positiveInt,
            default: 1,
          },
        ],
      },
      blockRequired: true,
      defaultDoc: "at epoch ends, keep 1",
    },
  ],
};

const evaluateBlock: BlockSignature = {
  name: "evaluate",
  doc: "Metrics on the validation and test splits.",
  keys: [
    {
      key: "metrics",
      doc: "Metrics; `gauc(by: COLUMN)` at most once.",
      type: metricType,
      arity: "many",
      default: [{ kind: "auc" }, { kind: "logloss" }],
    },
    {
      key: "per_scenario",
      doc: "Also report every metric per scenario.",
      type: { t: "bool" },
      defaultDoc: "`true` with a scenario column",
    },
    {
      key: "batch",
      doc: "Rows per evaluation batch.",
      type: positiveInt,
      default: 4096,
    },
  ],
};

// ---------------------------------------------------------------- model

/** `model NAME [extends BASE] { .. }`. */
export const modelSignature: BlockSignature = {
  name: "model",
  doc: "A trainable network with its data and training plan.",
  keys: [
    {
      key: "dataset",
      doc: "The dataset.",
      type: { t: "name", of: "dataset" },
      required: true,
    },
    {
      key: "features",
      doc: "The features block.",
      type: { t: "name", of: "features" },
      required: true,
    },
    {
      key: "hierarchy",
      doc: "The HMDN quantizer, or `off` for a plain backbone.",
      type: { t: "enum", values: ["off"] },
      valueOptional: true,
      block: (value) => (value === "off" ? null : hierarchySignature),
      defaultDoc: "`off`",
    },
    {
      key: "backbone",
      doc: "The backbone kind and its settings.",
      type: { t: "enum", values: backboneKinds },
      block: (value) =>
        typeof value === "string" && value in backboneSignatures
          ? backboneSignatures[value as BackboneKind]
          : null,
      required: true,
    },
    {
      key: "task",
      doc: "A task (at least one).",
      named: true,
      block: taskBlock,
      blockRequired: true,
      required: true,
    },
    {
      key: "train",
      doc: "Training settings.",
      block: trainBlock,
      blockRequired: true,
    },
    {
      key: "evaluate",
      doc: "Evaluation settings.",
      block: evaluateBlock,
      blockRequired: true,
    },
  ],
};

// ---------------------------------------------------------- experiment

/** `experiment NAME { .. }`. */
export const experimentSignature: BlockSignature = {
  name: "experiment",
  doc: "Models or variants of one model, each trained once per seed.",
  keys: [
    {
      key: "base",
      doc: "The model that `variant` diffs and `vary` paths apply to.",
      type: { t: "name", of: "model" },
      defaultDoc: "none (then `models` is required)",
    },
    {
      key: "models",
      doc: "Whole models to compare.",
      type: { t: "name", of: "model" },
      arity: "many",
      default: [],
    },
    {
      key: "variant",
      doc: "A named diff on the base model, merged like `extends`.",
      named: true,
      blockRequired: true,
    },
    {
      key: "seeds",
      doc: "A count N (seeds 1..N) or a list of seeds.",
      type: {
        t: "union",
        of: [positiveInt, { t: "list", of: count, minItems: 1, unique: true }],
      },
      default: 3,
    },
    {
      key: "report",
      doc: "Metrics of the summary.",
      type: metricType,
      arity: "many",
      default: [{ kind: "auc" }, { kind: "logloss" }],
    },
    {
      key: "per_scenario",
      doc: "Report every metric per scenario too.",
      type: { t: "bool" },
      default: true,
    },
  ],
};

/** The signature of each declaration kind's body. */
export const declarationSignatures = {
  dataset: datasetSignature,
  features: featuresSignature,
  model: modelSignature,
  experiment: experimentSignature,
} as const;

/** Lists every block signature, for "wrong block" messages and the docs. */
export function allSignatures(): BlockSignature[] {
  const seen = new Set<BlockSignature>();
  const visit = (signature: BlockSignature): void => {
    if (seen.has(signature)) return;
    seen.add(signature);
    for (const key of signature.keys) {
      if (key.block === undefined) continue;
      if (typeof key.block !== "function") visit(key.block);
    }
  };
  for (const signature of Object.values(declarationSignatures))
    visit(signature);
  visit(hierarchySignature);
  for (const kind of backboneKinds) visit(backboneSignatures[kind]);
  return [...seen];
}
