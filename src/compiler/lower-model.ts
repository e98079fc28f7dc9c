/**
 * Lowers a checked `model` block, with its dataset and features, into a
 * fully defaulted `ModelIr`, and checks what spans several blocks: feature
 * and group references, the hierarchy use of the backbone, task labels.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { checkBlock, type CheckedBlock } from "./decode.js";
import { placeOf, type LoweringContext, type Place } from "./context.js";
import {
  IR_VERSION,
  type DatasetIr,
  type HierarchyIr,
  type ModelIr,
  type TaskIr,
} from "./ir.js";
import { lowerBackbone } from "./lower-backbone.js";
import { lowerDataset, lowerFeatures, type FeatureSet } from "./lower-data.js";
import { emptyTrain, lowerEvaluate, lowerTrain } from "./lower-train.js";
import {
  distributionFeatures,
  requireScenario,
  resolveFeatures,
} from "./model-references.js";
import {
  mergedBody,
  resolveDeclaration,
  type DeclarationRef,
  type Program,
} from "./program.js";
import type { BlockSignature, SettingValue } from "./signature-types.js";
import {
  datasetSignature,
  featuresSignature,
  modelSignature,
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

/**
 * Resolves the declaration a model names under `key` (`dataset kuairand`),
 * merges its `extends` chain and checks its body against `signature`.
 */
function checkReferencedDeclaration(
  program: Program,
  model: CheckedBlock,
  declared: Place,
  context: LoweringContext,
  key: "dataset" | "features",
  signature: BlockSignature,
): { name: string; place: Place; block: CheckedBlock } | null {
  const name = model.value(key);
  if (typeof name !== "string") return null;
  const ref = resolveDeclaration(
    program,
    key,
    name,
    placeOf(model, key, declared),
    context.report,
  );
  if (ref === null) return null;
  const place = { file: ref.file, span: ref.declaration.name.loc };
  const body = mergedBody(program, ref, context.report);
  if (body === null) return null;
  const block = checkBlock(
    body,
    signature,
    { ...place, what: `${key} \`${name}\`` },
    context.report,
  );
  return { name, place, block };
}

function lowerReferencedDataset(
  program: Program,
  model: CheckedBlock,
  declared: Place,
  context: LoweringContext,
  options: LowerOptions,
): DatasetIr | null {
  const checked = checkReferencedDeclaration(
    program,
    model,
    declared,
    context,
    "dataset",
    datasetSignature,
  );
  if (checked === null) return null;
  const { name, block, place } = checked;
  return lowerDataset(name, block, place, context, options.dataOverride);
}

function lowerReferencedFeatures(
  program: Program,
  model: CheckedBlock,
  declared: Place,
  context: LoweringContext,
): FeatureSet | null {
  const checked = checkReferencedDeclaration(
    program,
    model,
    declared,
    context,
    "features",
    featuresSignature,
  );
  if (checked === null) return null;
  const { name, block } = checked;
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

// --------------------------------------------------------- hierarchy
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
    viewLayers: block.value("view_layers") as number[],
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
