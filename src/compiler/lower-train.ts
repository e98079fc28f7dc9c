/**
 * Lowers the `train` and `evaluate` blocks of a model into the IR.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { CheckedBlock } from "./decode.js";
import {
  emptyBlock,
  itemPlace,
  placeOf,
  type LoweringContext,
  type Place,
} from "./context.js";
import type { DatasetIr, EvaluateIr, TrainIr } from "./ir.js";
import { requireScenario } from "./model-references.js";
import type { SettingValue } from "./signature-types.js";
import { modelSignature } from "./signatures.js";

type Args = { readonly [key: string]: SettingValue };

/** Returns a `train` block with every default, for models that write none. */
export function emptyTrain(declared: Place): CheckedBlock {
  const key = modelSignature.keys.find(
    (candidate) => candidate.key === "train",
  );
  const signature = key?.block;
  if (signature === undefined || typeof signature === "function") {
    throw new Error("the model signature has no static `train` block");
  }
  return emptyBlock(signature, declared.file);
}

/** Lowers a checked `train` block. */
export function lowerTrain(block: CheckedBlock): TrainIr {
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

/** Lowers a model's `evaluate` block (or its defaults), checking the metrics. */
export function lowerEvaluate(
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
