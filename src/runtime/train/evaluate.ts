import type { ModelIr } from "../../compiler/ir.js";
import type { DataBatch, Dataset, FeatureCounts } from "../data/index.js";
import type { SplitName } from "../data/index.js";
import { MetricAccumulator, type EvaluationResult } from "../metrics/index.js";
import type { Network } from "../types.js";
import type { ValidationMetrics } from "./events.js";
import type {
  FeatureValueCounts,
  RunMetrics,
  ScenarioMetrics,
  TaskMetrics,
} from "./report.js";

/** Receives every evaluated batch with the scores of each task. */
export type BatchScoresListener = (
  batch: DataBatch,
  scores: Readonly<Record<string, Float32Array>>,
) => void;

/**
 * Scores one pass over `split` in inference mode and returns the metrics of
 * every task, computed once over all rows (never averaged over batches).
 */
export async function evaluateSplit(
  network: Network,
  dataset: Dataset,
  ir: ModelIr,
  split: SplitName,
  onBatch?: BatchScoresListener,
): Promise<Record<string, EvaluationResult>> {
  const accumulators = new Map<string, MetricAccumulator>();
  for (const task of ir.tasks) {
    accumulators.set(task.name, new MetricAccumulator());
  }
  // Per-scenario metrics follow the model's scenarios: values folded into
  // `__other__` (rare or unseen in training) are reported together.
  const names = dataset.preprocessing.scenarios;
  const passes = dataset.batches(split, { batchSize: ir.evaluate.batchSize });
  for await (const item of passes) {
    const scores = network.predict(item.batch);
    const scenarios = Array.from(item.batch.scenario, (index) => names[index]);
    for (const task of ir.tasks) {
      accumulators.get(task.name)?.add({
        scores: scores[task.name],
        labels: item.batch.labels[task.name],
        weights: item.batch.weights,
        scenarios,
        groups: item.meta.groups,
      });
    }
    onBatch?.(item, scores);
  }
  const results: Record<string, EvaluationResult> = {};
  for (const [name, accumulator] of accumulators) {
    results[name] = accumulator.compute();
  }
  return results;
}

/** Returns the primary task's validation metrics, as the training loop reports them. */
export function validationMetrics(
  ir: ModelIr,
  results: Readonly<Record<string, EvaluationResult>>,
): ValidationMetrics {
  const primary = results[ir.tasks[0].name];
  return {
    auc: primary.auc,
    logloss: primary.logloss,
    gauc: primary.gauc,
    rows: primary.rows,
    positives: primary.positives,
  };
}

/** Orders scenario keys as the preprocessing lists them, then any others in first-seen order. */
function orderedScenarios(
  result: EvaluationResult,
  known: readonly string[],
): Record<string, ScenarioMetrics> {
  const names = [
    ...known.filter((name) => name in result.perScenario),
    ...Object.keys(result.perScenario).filter((name) => !known.includes(name)),
  ];
  const scenarios: Record<string, ScenarioMetrics> = {};
  for (const name of names) {
    const part = result.perScenario[name];
    scenarios[name] = {
      auc: part.auc,
      logloss: part.logloss,
      rows: part.rows,
      positives: part.positives,
    };
  }
  return scenarios;
}

function taskMetrics(
  result: EvaluationResult,
  scenarios: readonly string[],
): TaskMetrics {
  return {
    auc: result.auc,
    logloss: result.logloss,
    gauc: result.gauc,
    rows: result.rows,
    positives: result.positives,
    scenarios: orderedScenarios(result, scenarios),
    gaucGroupsSkipped: result.gaucSkippedGroups,
  };
}

/** The inputs of `buildRunMetrics` besides the evaluation results. */
export interface RunMetricsContext {
  readonly ir: ModelIr;
  readonly irHash: string;
  readonly backend: string;
  readonly samplesPerSecond: number;
  readonly split: "test" | "all";
  readonly scenarios: readonly string[];
  readonly featureCounts: Readonly<Record<string, FeatureCounts>> | undefined;
}

/** Assembles `metrics.json` from per-task results: the first task at the top level. */
export function buildRunMetrics(
  results: Readonly<Record<string, EvaluationResult>>,
  context: RunMetricsContext,
): RunMetrics {
  const tasks: Record<string, TaskMetrics> = {};
  for (const task of context.ir.tasks) {
    tasks[task.name] = taskMetrics(results[task.name], context.scenarios);
  }
  const features: Record<string, FeatureValueCounts> = {};
  for (const feature of context.ir.features) {
    const counts = context.featureCounts?.[feature.name];
    features[feature.name] = {
      oov: counts?.oov ?? 0,
      missing: counts?.missing ?? 0,
    };
  }
  const primary = tasks[context.ir.tasks[0].name];
  return {
    auc: primary.auc,
    logloss: primary.logloss,
    gauc: primary.gauc,
    rows: primary.rows,
    positives: primary.positives,
    scenarios: primary.scenarios,
    gaucGroupsSkipped: primary.gaucGroupsSkipped,
    backend: context.backend,
    samplesPerSecond: context.samplesPerSecond,
    seed: context.ir.train.seed,
    irHash: context.irHash,
    split: context.split,
    tasks,
    features,
  };
}
