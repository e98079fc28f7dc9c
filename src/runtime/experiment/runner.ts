import * as fs from "node:fs";
import * as path from "node:path";
import type { ExperimentIr, ModelIr } from "../../compiler/ir.js";
import { writeFileAtomic, writeJsonAtomic, readJson } from "../train/files.js";
import { hashCanonical, type RunMetrics } from "../train/report.js";
import { renderChart } from "./chart.js";
import {
  chosenFields,
  resultsCsv,
  summarize,
  type ExperimentResult,
  type VariantSummary,
} from "./summary.js";

/** Changes applied to every variant's training plan. */
export interface ExperimentOverrides {
  readonly epochs?: number;
  readonly maxSteps?: number;
}

/** One run the experiment needs: a variant trained with one seed. */
export interface PlannedRun {
  readonly variant: string;
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  readonly seed: number;
  readonly ir: ModelIr;
  /** SHA-256 of the canonical IR (which includes the seed): the run's identity. */
  readonly key: string;
  /** Directory name under `<out>/runs/`. */
  readonly directory: string;
}

/** What the runner reports while it works. */
export type ExperimentEvent =
  | {
      readonly type: "runStart";
      readonly run: PlannedRun;
      readonly index: number;
      readonly total: number;
      readonly resumed: boolean;
    }
  | {
      readonly type: "runSkip";
      readonly run: PlannedRun;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: "runEnd";
      readonly run: PlannedRun;
      readonly metrics: RunMetrics;
    }
  | {
      readonly type: "runFail";
      readonly run: PlannedRun;
      readonly error: unknown;
    };

/** Everything `runExperiment` needs; `train` does the actual work of one run. */
export interface ExperimentOptions {
  readonly ir: ExperimentIr;
  readonly outDir: string;
  readonly overrides?: ExperimentOverrides;
  /**
   * Trains one run into `runDir` and returns its test metrics. `resume` is
   * true when the directory contains checkpoints of an unfinished attempt.
   */
  readonly train: (
    run: PlannedRun,
    runDir: string,
    resume: boolean,
  ) => Promise<RunMetrics>;
  readonly onEvent?: (event: ExperimentEvent) => void;
}

/** What `runExperiment` wrote. */
export interface ExperimentOutcome {
  readonly results: readonly ExperimentResult[];
  /** The runs whose training threw, with the error each threw. */
  readonly failed: readonly {
    readonly run: PlannedRun;
    readonly error: unknown;
  }[];
  readonly summaries: readonly VariantSummary[];
  readonly files: {
    readonly json: string;
    readonly csv: string;
    readonly chart: string;
  };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** Lists every variant x seed run, with the overrides and seed applied to each IR. */
export function planRuns(
  ir: ExperimentIr,
  overrides: ExperimentOverrides = {},
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const variant of ir.variants) {
    for (const seed of ir.seeds) {
      const train = {
        ...variant.model.train,
        seed,
        ...(overrides.epochs === undefined ? {} : { epochs: overrides.epochs }),
        ...(overrides.maxSteps === undefined
          ? {}
          : { maxSteps: overrides.maxSteps }),
      };
      const model: ModelIr = { ...variant.model, train };
      const key = hashCanonical(model);
      runs.push({
        variant: variant.name,
        settings: variant.settings,
        seed,
        ir: model,
        key,
        directory: `${safeName(variant.name)}-seed${seed}-${key.slice(0, 12)}`,
      });
    }
  }
  return runs;
}

/** Reads a finished run's metrics, or `null` when the run has not finished with this IR. */
function finishedMetrics(runDir: string, key: string): RunMetrics | null {
  const file = path.join(runDir, "metrics.json");
  if (!fs.existsSync(file)) {
    return null;
  }
  const metrics = readJson<RunMetrics>(file);
  return metrics.irHash === key ? metrics : null;
}

function toResult(
  run: PlannedRun,
  metrics: RunMetrics,
  skipped: boolean,
): ExperimentResult {
  const scenarios: Record<string, number | null> = {};
  for (const [name, part] of Object.entries(metrics.scenarios)) {
    scenarios[name] = part.auc;
  }
  return {
    variant: run.variant,
    settings: run.settings,
    seed: run.seed,
    run: path.join("runs", run.directory),
    irHash: run.key,
    auc: metrics.auc,
    logloss: metrics.logloss,
    gauc: metrics.gauc,
    scenarios,
    skipped,
    status: "ok",
  };
}

function failedResult(run: PlannedRun, error: unknown): ExperimentResult {
  return {
    variant: run.variant,
    settings: run.settings,
    seed: run.seed,
    run: path.join("runs", run.directory),
    irHash: run.key,
    auc: null,
    logloss: null,
    gauc: null,
    scenarios: {},
    skipped: false,
    status: "failed",
    error: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Runs every variant with every seed, skipping runs whose directory
 * already contains `metrics.json` for the same IR hash and resuming runs that
 * left checkpoints, then writes `results.json`, `results.csv` and
 * `chart.svg` into `outDir`. A run whose `train` throws is recorded as
 * failed (see `ExperimentOutcome.failed`) and the others go on.
 */
// Limitation: runs train one after another in this process; a second core
// does not start a second run.
export async function runExperiment(
  options: ExperimentOptions,
): Promise<ExperimentOutcome> {
  const runs = planRuns(options.ir, options.overrides);
  const runsDir = path.join(options.outDir, "runs");
  fs.mkdirSync(runsDir, { recursive: true });
  const results: ExperimentResult[] = [];
  const failed: { run: PlannedRun; error: unknown }[] = [];

  for (const [index, run] of runs.entries()) {
    const runDir = path.join(runsDir, run.directory);
    const done = finishedMetrics(runDir, run.key);
    if (done !== null) {
      options.onEvent?.({ type: "runSkip", run, index, total: runs.length });
      results.push(toResult(run, done, true));
      continue;
    }
    const resume = fs.existsSync(path.join(runDir, "model.ir.json"));
    options.onEvent?.({
      type: "runStart",
      run,
      index,
      total: runs.length,
      resumed: resume,
    });
    // One failed run (a diverged loss, a bad backend) must not throw away
    // the others: it is recorded, and the next invocation retries it
    // because it left no metrics.json.
    let metrics: RunMetrics;
    try {
      metrics = await options.train(run, runDir, resume);
    } catch (error) {
      options.onEvent?.({ type: "runFail", run, error });
      failed.push({ run, error });
      results.push(failedResult(run, error));
      continue;
    }
    options.onEvent?.({ type: "runEnd", run, metrics });
    results.push(toResult(run, metrics, false));
  }

  const summaries = summarize(results);
  const files = {
    json: path.join(options.outDir, "results.json"),
    csv: path.join(options.outDir, "results.csv"),
    chart: path.join(options.outDir, "chart.svg"),
  };
  const report = options.ir.report;
  writeJsonAtomic(files.json, {
    experiment: options.ir.name,
    seeds: options.ir.seeds,
    report,
    results: results.map((result) => chosenFields(result, report)),
    summary: summaries.map((summary) => chosenFields(summary, report)),
  });
  writeFileAtomic(files.csv, resultsCsv(results, report));
  writeFileAtomic(
    files.chart,
    renderChart(options.ir.name, summaries, {
      perScenario: report.perScenario,
    }),
  );
  return { results, failed, summaries, files };
}
