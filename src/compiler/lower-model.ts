/**
 * Lowers a checked `model` block, with its dataset and features, into a
 * fully defaulted `ModelIr`, and checks what spans several blocks: feature
 * and group references, the hierarchy use of the backbone, task labels.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import { checkBlock, type CheckedBlock } from "./decode.js";
import {
  emptyBlock,
  itemPlace,
  placeOf,
  type LoweringContext,
  type Place,
} from "./context.js";
import {
  IR_VERSION,
  type Activation,
  type BackboneIr,
  type DatasetIr,
  type EvaluateIr,
  type HierarchyIr,
  type HierarchyUse,
  type ModelIr,
  type Norm,
  type TaskIr,
  type TrainIr,
} from "./ir.js";
import { lowerDataset, lowerFeatures, type FeatureSet } from "./lower-data.js";
import {
  mergedBody,
  resolveDeclaration,
  type DeclarationRef,
  type Program,
} from "./program.js";
import type { SettingValue } from "./signature-types.js";
import {
  backboneSignatures,
  datasetSignature,
  featuresSignature,
  hierarchyUses,
  modelSignature,
  type BackboneKind,
} from "./signatures.js";
import type { TreeBlock } from "./tree.js";

type Args = { readonly [key: string]: SettingValue };

/** Options of `lowerModel`. */
export interface LowerOptions {
  /** Read this CSV instead of the dataset's `source`. */
  readonly dataOverride?: string;
}

/** Checks and lowers a merged model body; `null` when it has errors. */
export function lowerModel(
  program: Program,
  name: string,
  body: TreeBlock,
  declared: Place,
  context: LoweringContext,
  options: LowerOptions = {},
): ModelIr | null {
  const model = checkBlock(
    body,
    modelSignature,
    { ...declared, what: `model \`${name}\`` },
    context.report,
  );
  context.mark("model", declared);

  const dataset = lowerReferencedDataset(
    program,
    model,
    declared,
    context,
    options,
  );
  const featureSet = lowerReferencedFeatures(program, model, declared, context);
  if (dataset === null || featureSet === null) return null;

  const tasks = lowerTasks(model, dataset, featureSet, context);
  const hierarchy = lowerHierarchy(
    model,
    dataset,
    featureSet,
    declared,
    context,
  );
  const backbone = lowerBackbone(
    model,
    dataset,
    featureSet,
    hierarchy,
    declared,
    context,
  );
  const train = lowerTrain(model.block("train") ?? emptyTrain(declared));
  const evaluate = lowerEvaluate(model, dataset, declared, context);
  if (train.earlyStopping?.metric === "gauc" && evaluate.gaucBy === null) {
    const early = model.block("train")?.block("early_stopping") ?? null;
    context.report(
      diagnostic("HMD2039", {
        ...placeOf(early, "metric", declared),
        message:
          "`early_stopping` watches `gauc`, but `evaluate` computes no `gauc`",
        label: "needs `gauc(by: COLUMN)` in `evaluate metrics`",
        help: "add `gauc(by: user_id)` (or another grouping column) to `evaluate { metrics .. }`",
      }),
    );
  }
  if (context.errors > 0 || backbone === null) return null;
  return {
    irVersion: IR_VERSION,
    kind: "model",
    id: "model",
    name,
    dataset,
    features: featureSet.features.map((entry) => entry.feature),
    groups: featureSet.groups,
    tables: featureSet.tables,
    hierarchy,
    backbone,
    tasks,
    train,
    evaluate,
  };
}

function lowerReferencedDataset(
  program: Program,
  model: CheckedBlock,
  declared: Place,
  context: LoweringContext,
  options: LowerOptions,
): DatasetIr | null {
  const name = model.value("dataset");
  if (typeof name !== "string") return null;
  const ref = resolveDeclaration(
    program,
    "dataset",
    name,
    placeOf(model, "dataset", declared),
    context.report,
  );
  if (ref === null) return null;
  const place = { file: ref.file, span: ref.declaration.name.loc };
  const body = mergedBody(program, ref, context.report);
  if (body === null) return null;
  const block = checkBlock(
    body,
    datasetSignature,
    { ...place, what: `dataset \`${name}\`` },
    context.report,
  );
  return lowerDataset(name, block, place, context, options.dataOverride);
}

function lowerReferencedFeatures(
  program: Program,
  model: CheckedBlock,
  declared: Place,
  context: LoweringContext,
): FeatureSet | null {
  const name = model.value("features");
  if (typeof name !== "string") return null;
  const ref = resolveDeclaration(
    program,
    "features",
    name,
    placeOf(model, "features", declared),
    context.report,
  );
  if (ref === null) return null;
  const place = { file: ref.file, span: ref.declaration.name.loc };
  const body = mergedBody(program, ref, context.report);
  if (body === null) return null;
  const block = checkBlock(
    body,
    featuresSignature,
    { ...place, what: `features \`${name}\`` },
    context.report,
  );
  const featureSet = lowerFeatures(block, context);
  if (featureSet.features.length === 0) {
    context.report(
      diagnostic("HMD2036", {
        ...placeOf(model, "features", declared),
        message: `features \`${name}\` declare no grouped feature, so the model has no input`,
        label: "no model inputs",
        help: "declare features inside a `group` of this features block",
      }),
    );
  }
  return featureSet;
}

// ------------------------------------------------------------- tasks

function lowerTasks(
  model: CheckedBlock,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  context: LoweringContext,
): TaskIr[] {
  const tasks: TaskIr[] = [];
  const labels = new Map<string, Place>();
  for (const child of model.named("task")) {
    const block = child.block;
    if (block === null) continue;
    const place = { file: child.entry.file, span: child.entry.values[0].loc };
    const label = block.value("label");
    if (typeof label !== "string") continue;
    const labelPlace = placeOf(block, "label", place);
    context.useColumn(label, labelPlace, `task \`${child.name}\``);
    const first = labels.get(label);
    if (first !== undefined) {
      context.report(
        diagnostic("HMD2025", {
          ...labelPlace,
          message: `task \`${child.name}\` uses label \`${label}\` like an earlier task`,
          label: "label used again",
          labels: [{ ...first, text: "first used here" }],
          help: "give every task its own label column",
        }),
      );
    }
    labels.set(label, labelPlace);
    for (const entry of featureSet.features) {
      if (entry.feature.column !== label) continue;
      context.report(
        diagnostic("HMD2026", {
          ...entry.place,
          message: `feature \`${entry.feature.name}\` reads \`${label}\`, the label of task \`${child.name}\``,
          label: "reads the label",
          labels: [{ ...labelPlace, text: "the label" }],
          help: "remove the feature: a model must not see its own label",
        }),
      );
    }
    const towers = lowerTowers(block, dataset, place, context);
    context.mark(`task.${child.name}`, place);
    tasks.push({
      id: `task.${child.name}`,
      name: child.name,
      label,
      loss: "bce",
      weight: block.value("weight") as number,
      tower: block.value("tower") as number[],
      towers,
    });
  }
  return tasks;
}

function lowerTowers(
  block: CheckedBlock,
  dataset: DatasetIr,
  place: Place,
  context: LoweringContext,
): TaskIr["towers"] {
  const written = block.value("towers") as TaskIr["towers"] | null;
  if (written === "per_scenario" && dataset.scenario === null) {
    requireScenario(
      context,
      placeOf(block, "towers", place),
      "`towers per_scenario`",
      dataset.name,
    );
  }
  return written ?? (dataset.scenario === null ? "shared" : "per_scenario");
}

function requireScenario(
  context: LoweringContext,
  place: Place,
  what: string,
  dataset: string,
): void {
  context.report(
    diagnostic("HMD2035", {
      ...place,
      message: `${what} needs a scenario column, but dataset \`${dataset}\` has none`,
      label: "needs a scenario",
      help: "add `scenario COLUMN` to the dataset",
    }),
  );
}

// --------------------------------------------------------- hierarchy

/** Lists the features that read the scenario or a population column. */
function distributionFeatures(
  dataset: DatasetIr,
  featureSet: FeatureSet,
): string[] {
  const columns = new Set(dataset.populations);
  if (dataset.scenario !== null) columns.add(dataset.scenario.column);
  return featureSet.features
    .filter((entry) => columns.has(entry.feature.column))
    .map((entry) => entry.feature.name);
}

/** Resolves feature (and, when allowed, group) names; reports unknown ones. */
function resolveFeatures(
  block: CheckedBlock,
  key: string,
  featureSet: FeatureSet,
  groupsAllowed: boolean,
  fallback: Place,
  context: LoweringContext,
): string[] {
  const names = block.value(key) as string[];
  const features = new Set(
    featureSet.features.map((entry) => entry.feature.name),
  );
  const groups = new Map(
    featureSet.groups.map((group) => [group.name, group.features]),
  );
  const result: string[] = [];
  names.forEach((name, index) => {
    if (features.has(name)) {
      result.push(name);
      return;
    }
    const members = groupsAllowed ? groups.get(name) : undefined;
    if (members !== undefined) {
      result.push(...members);
      return;
    }
    const candidates = groupsAllowed
      ? [...features, ...groups.keys()]
      : [...features];
    context.report(
      diagnostic("HMD2003", {
        ...itemPlace(block, key, index, fallback),
        message: `unknown ${groupsAllowed ? "feature or group" : "feature"} \`${name}\``,
        label: "not a grouped feature of this model",
        help:
          didYouMean(suggestSimilar(name, candidates)) ??
          "only features declared inside a `group` can be named here",
      }),
    );
  });
  return [...new Set(result)];
}

function lowerHierarchy(
  model: CheckedBlock,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  declared: Place,
  context: LoweringContext,
): HierarchyIr | null {
  const block = model.block("hierarchy");
  if (block === null) return null;
  const place = placeOf(model, "hierarchy", declared);
  const view = block.value("view") as HierarchyIr["view"];
  const explicit = block.has("explicit")
    ? resolveFeatures(block, "explicit", featureSet, false, place, context)
    : distributionFeatures(dataset, featureSet);
  const implicit = block.has("implicit")
    ? resolveFeatures(block, "implicit", featureSet, true, place, context)
    : featureSet.features.map((entry) => entry.feature.name);
  // A written list that resolved to nothing was already reported name by name.
  if (view !== "implicit" && explicit.length === 0 && !block.has("explicit")) {
    context.report(
      diagnostic("HMD2036", {
        ...placeOf(block, block.has("explicit") ? "explicit" : "view", place),
        message: `the explicit hierarchy view has no features: dataset \`${dataset.name}\` has no grouped feature reading its scenario or population columns`,
        help: "list features with `explicit a, b` or use `view implicit`",
      }),
    );
  }
  const update = block.value("update") as Args;
  const deadCodes = block.value("dead_codes") as Args;
  context.mark("hierarchy", place);
  return {
    id: "hierarchy",
    view,
    explicit: view === "implicit" ? [] : explicit,
    implicit: view === "explicit" ? [] : implicit,
    levels: block.value("levels") as number,
    codebookSize: block.value("codebook") as number,
    codeDim: block.value("dim") as number,
    beta: block.value("beta") as number,
    update:
      update.kind === "ema"
        ? {
            kind: "ema",
            decay: update.decay as number,
            epsilon: update.epsilon as number,
          }
        : { kind: "gradient", weight: update.weight as number },
    codebooks: block.value("codebooks") as HierarchyIr["codebooks"],
    deadCodes:
      deadCodes.kind === "reset"
        ? { reset: true, threshold: deadCodes.threshold as number }
        : { reset: false, threshold: 0 },
    init: block.value("init") === "kmeans" ? "kmeans++" : "random",
  };
}

// ---------------------------------------------------------- backbone

function lowerBackbone(
  model: CheckedBlock,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  hierarchy: HierarchyIr | null,
  declared: Place,
  context: LoweringContext,
): BackboneIr | null {
  const kind = model.value("backbone") as BackboneKind | null;
  if (kind === null) return null;
  const place = placeOf(model, "backbone", declared);
  const block =
    model.block("backbone") ?? emptyBlock(backboneSignatures[kind], place.file);
  const hierarchyUse = lowerHierarchyUse(
    kind,
    block,
    hierarchy,
    place,
    context,
  );
  context.mark("backbone", place);
  const base = {
    id: "backbone",
    activation: block.value("activation") as Activation,
    dropout: block.value("dropout") as number,
    norm: block.value("norm") as Norm,
    hierarchyUse,
  };
  const number = (key: string): number => block.value(key) as number;
  const list = (key: string): number[] => block.value(key) as number[];
  if ((kind === "star" || kind === "m2m") && dataset.scenario === null) {
    requireScenario(context, place, `backbone \`${kind}\``, dataset.name);
  }
  switch (kind) {
    case "shared_bottom":
      return { ...base, kind, layers: list("layers") };
    case "mmoe":
      return {
        ...base,
        kind,
        experts: number("experts"),
        expertLayers: list("expert_layers"),
      };
    case "ple":
      return {
        ...base,
        kind,
        levels: number("levels"),
        sharedExperts: number("shared_experts"),
        specificExperts: number("specific_experts"),
        expertLayers: list("expert_layers"),
      };
    case "star":
      return {
        ...base,
        kind,
        layers: list("layers"),
        partitionedNorm: block.value("partitioned_norm") as boolean,
        auxiliaryLayers: list("auxiliary_layers"),
      };
    case "m2m":
      return {
        ...base,
        kind,
        experts: number("experts"),
        expertLayers: list("expert_layers"),
        scenarioDim: number("scenario_dim"),
        metaLayers: list("meta_layers"),
      };
    case "apg": {
      const condition = block.value("condition") as
        | "scenario"
        | "input"
        | "both";
      if (condition !== "input" && dataset.scenario === null) {
        requireScenario(
          context,
          placeOf(block, "condition", place),
          `\`condition ${condition}\``,
          dataset.name,
        );
      }
      return {
        ...base,
        kind,
        layers: list("layers"),
        rank: number("rank"),
        condition,
        scenarioDim: number("scenario_dim"),
      };
    }
    case "pepnet":
      return lowerPepnet(block, base, dataset, featureSet, place, context);
  }
}

function lowerPepnet(
  block: CheckedBlock,
  base: Omit<BackboneIr, "kind">,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  place: Place,
  context: LoweringContext,
): BackboneIr {
  const epnet = block.value("epnet") as boolean;
  const ppnet = block.value("ppnet") as boolean;
  const epnetFeatures = block.has("epnet_features")
    ? resolveFeatures(
        block,
        "epnet_features",
        featureSet,
        false,
        place,
        context,
      )
    : distributionFeatures(dataset, featureSet);
  const ppnetFeatures = block.has("ppnet_features")
    ? resolveFeatures(
        block,
        "ppnet_features",
        featureSet,
        false,
        place,
        context,
      )
    : featureSet.features
        .filter(
          (entry) =>
            entry.feature.kind === "categorical" &&
            entry.feature.column.endsWith("_id"),
        )
        .map((entry) => entry.feature.name);
  const gates: [boolean, string, string[]][] = [
    [epnet, "epnet_features", epnetFeatures],
    [ppnet, "ppnet_features", ppnetFeatures],
  ];
  for (const [enabled, key, features] of gates) {
    if (!enabled || features.length > 0 || block.has(key)) continue;
    context.report(
      diagnostic("HMD2036", {
        ...place,
        message: `the default \`${key}\` of \`pepnet\` is empty for this model`,
        help: `list features with \`${key} a, b\` or turn the gate off with \`${key.replace("_features", "")} false\``,
      }),
    );
  }
  return {
    ...base,
    kind: "pepnet",
    layers: block.value("layers") as number[],
    epnet,
    ppnet,
    gateHidden: block.value("gate_hidden") as number,
    epnetFeatures,
    ppnetFeatures,
    scenarioDim: block.value("scenario_dim") as number,
  };
}

function lowerHierarchyUse(
  kind: BackboneKind,
  block: CheckedBlock,
  hierarchy: HierarchyIr | null,
  place: Place,
  context: LoweringContext,
): HierarchyUse {
  const written = block.value("hierarchy") as HierarchyUse | null;
  const allowed = hierarchyUses[kind];
  if (written === null)
    return hierarchy === null ? "off" : (allowed[0] as HierarchyUse);
  const writtenPlace = placeOf(block, "hierarchy", place);
  if (!allowed.includes(written)) {
    context.report(
      diagnostic("HMD2027", {
        ...writtenPlace,
        message: `backbone \`${kind}\` cannot use the hierarchy as \`${written}\``,
        label: "not supported by this backbone",
        help: `\`${kind}\` supports ${allowed.map((use) => `\`${use}\``).join(", ")}`,
      }),
    );
    return "off";
  }
  if (hierarchy === null && written !== "off") {
    context.report(
      diagnostic("HMD2028", {
        ...writtenPlace,
        message: `\`hierarchy ${written}\` needs a \`hierarchy { .. }\` block in the model`,
        label: "no hierarchy to use",
        help: "add `hierarchy { .. }` to the model, or remove this line",
      }),
    );
  }
  return hierarchy === null ? "off" : written;
}

// ------------------------------------------------- train and evaluate

function emptyTrain(declared: Place): CheckedBlock {
  const key = modelSignature.keys.find(
    (candidate) => candidate.key === "train",
  );
  const signature = key?.block;
  if (signature === undefined || typeof signature === "function") {
    throw new Error("the model signature has no static `train` block");
  }
  return emptyBlock(signature, declared.file);
}

function lowerTrain(block: CheckedBlock): TrainIr {
  const optimizer = block.value("optimizer") as Args;
  const schedule = block.value("schedule") as Args;
  const early = block.block("early_stopping");
  const checkpoint = block.block("checkpoint");
  return {
    optimizer:
      optimizer.kind === "adam"
        ? {
            kind: "adam",
            lr: optimizer.lr as number,
            beta1: optimizer.beta1 as number,
            beta2: optimizer.beta2 as number,
            epsilon: optimizer.epsilon as number,
          }
        : optimizer.kind === "adagrad"
          ? {
              kind: "adagrad",
              lr: optimizer.lr as number,
              initialAccumulator: optimizer.initial_accumulator as number,
            }
          : {
              kind: "sgd",
              lr: optimizer.lr as number,
              momentum: optimizer.momentum as number,
            },
    schedule:
      schedule.kind === "cosine"
        ? {
            kind: "cosine",
            warmupSteps: schedule.warmup as number,
            minLr: schedule.min_lr as number,
          }
        : schedule.kind === "step" || schedule.kind === "exponential"
          ? {
              kind: schedule.kind,
              every: schedule.every as number,
              gamma: schedule.gamma as number,
            }
          : { kind: "constant" },
    batchSize: block.value("batch") as number,
    epochs: block.value("epochs") as number,
    maxSteps: block.value("max_steps") as number | null,
    seed: block.value("seed") as number,
    l2: block.value("l2") as number,
    gradClip: block.value("grad_clip") as number | null,
    earlyStopping:
      early === null
        ? null
        : {
            metric: early.value("metric") as "auc" | "logloss" | "gauc",
            patience: early.value("patience") as number,
            minDelta: early.value("min_delta") as number,
          },
    checkpoint: {
      everySteps: (checkpoint?.value("every") as number | null) ?? null,
      keep: (checkpoint?.value("keep") as number | null) ?? 1,
    },
  };
}

function lowerEvaluate(
  model: CheckedBlock,
  dataset: DatasetIr,
  declared: Place,
  context: LoweringContext,
): EvaluateIr {
  const block = model.block("evaluate");
  const metrics = (block?.value("metrics") ?? [
    { kind: "auc" },
    { kind: "logloss" },
  ]) as Args[];
  const place = placeOf(model, "evaluate", declared);
  const seen = new Map<string, number>();
  let gaucBy: string | null = null;
  metrics.forEach((metric, index) => {
    const kind = String(metric.kind);
    const metricPlace = itemPlace(block, "metrics", index, place);
    if (seen.has(kind)) {
      context.report(
        diagnostic("HMD2020", {
          ...metricPlace,
          message: `metric \`${kind}\` is listed twice`,
          labels: [
            {
              ...itemPlace(block, "metrics", seen.get(kind)!, place),
              text: "first listed here",
            },
          ],
          help: "list every metric once",
        }),
      );
    }
    seen.set(kind, index);
    if (kind === "gauc") {
      gaucBy = String(metric.by);
      context.useColumn(gaucBy, metricPlace, "`gauc`");
    }
  });
  const perScenario =
    (block?.value("per_scenario") as boolean | null) ??
    dataset.scenario !== null;
  if (perScenario && dataset.scenario === null) {
    requireScenario(
      context,
      placeOf(block, "per_scenario", place),
      "`per_scenario true`",
      dataset.name,
    );
  }
  return {
    metrics: [...seen.keys()] as EvaluateIr["metrics"],
    gaucBy,
    perScenario,
    batchSize: (block?.value("batch") as number | null) ?? 4096,
  };
}

/** Merges a model declaration's `extends` chain, then checks and lowers it. */
export function lowerModelDeclaration(
  program: Program,
  ref: DeclarationRef,
  context: LoweringContext,
  options: LowerOptions = {},
): ModelIr | null {
  const body = mergedBody(program, ref, context.report);
  if (body === null) return null;
  const declared = { file: ref.file, span: ref.declaration.name.loc };
  const name = ref.declaration.name.name;
  return lowerModel(program, name, body, declared, context, options);
}
