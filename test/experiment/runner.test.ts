import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ExperimentIr, ModelIr } from "../../src/compiler/ir.js";
import {
  planRuns,
  runExperiment,
  type PlannedRun,
} from "../../src/runtime/experiment/runner.js";
import type { RunMetrics } from "../../src/runtime/train/report.js";
import { trainPlan } from "../train/fakes.js";

const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

function model(levels: number): ModelIr {
  // Only the fields the runner reads or hashes matter here.
  return {
    name: "m",
    hierarchy: { levels },
    train: trainPlan({ epochs: 2 }),
  } as unknown as ModelIr;
}

function experiment(levels: number[]): ExperimentIr {
  return {
    irVersion: 1,
    kind: "experiment",
    id: "e",
    name: "depth",
    variants: levels.map((d) => ({
      name: `hierarchy.levels=${d}`,
      settings: { "hierarchy.levels": d },
      model: model(d),
    })),
    seeds: [1, 2],
    report: { metrics: ["auc", "logloss"], perScenario: true },
  };
}

/** Returns a stand-in for `trainRun` that writes what a finished run leaves behind. */
function fakeTrain(calls: { run: PlannedRun; resume: boolean }[]) {
  return async (run: PlannedRun, runDir: string, resume: boolean) => {
    calls.push({ run, resume });
    const metrics = {
      auc: 0.6 + run.seed / 100,
      logloss: 0.5,
      gauc: null,
      rows: 10,
      positives: 5,
      scenarios: { a: { auc: 0.6, logloss: 0.5, rows: 10, positives: 5 } },
      gaucGroupsSkipped: 0,
      backend: "fake",
      samplesPerSecond: 1,
      seed: run.seed,
      irHash: run.key,
      split: "test",
      tasks: {},
      features: {},
    } satisfies RunMetrics;
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(
      path.join(runDir, "metrics.json"),
      JSON.stringify(metrics),
    );
    return metrics;
  };
}

describe("experiment runner", () => {
  it("plans every variant with every seed", () => {
    const runs = planRuns(experiment([1, 6]), { maxSteps: 5 });
    expect(runs.map((run) => [run.variant, run.seed])).toEqual([
      ["hierarchy.levels=1", 1],
      ["hierarchy.levels=1", 2],
      ["hierarchy.levels=6", 1],
      ["hierarchy.levels=6", 2],
    ]);
    expect(runs[1].ir.train.seed).toBe(2);
    expect(runs[1].ir.train.maxSteps).toBe(5);
    expect(runs[1].directory).toBe(
      `hierarchy.levels_1-seed2-${runs[1].key.slice(0, 12)}`,
    );
    expect(new Set(runs.map((run) => run.key)).size).toBe(4);
  });

  it("skips finished runs and resumes started ones", async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-exp-"));
    directories.push(outDir);
    const calls: { run: PlannedRun; resume: boolean }[] = [];
    await runExperiment({
      ir: experiment([1]),
      outDir,
      train: fakeTrain(calls),
    });
    expect(calls.map((call) => call.resume)).toEqual([false, false]);

    // A second variant appears; one of its runs was started before.
    const runs = planRuns(experiment([1, 2]));
    const started = path.join(outDir, "runs", runs[2].directory);
    fs.mkdirSync(started, { recursive: true });
    fs.writeFileSync(path.join(started, "model.ir.json"), "{}");
    calls.length = 0;
    const outcome = await runExperiment({
      ir: experiment([1, 2]),
      outDir,
      train: fakeTrain(calls),
    });
    expect(calls.map((call) => [call.run.variant, call.resume])).toEqual([
      ["hierarchy.levels=2", true],
      ["hierarchy.levels=2", false],
    ]);
    expect(outcome.results.map((result) => result.skipped)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(outcome.summaries[1].auc.mean).toBeCloseTo(0.615, 12);
  });

  it("trains again when the IR hash in metrics.json differs", async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-exp-"));
    directories.push(outDir);
    const [first] = planRuns(experiment([1]));
    const runDir = path.join(outDir, "runs", first.directory);
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(
      path.join(runDir, "metrics.json"),
      JSON.stringify({ irHash: "stale" }),
    );
    const calls: { run: PlannedRun; resume: boolean }[] = [];
    await runExperiment({
      ir: experiment([1]),
      outDir,
      train: fakeTrain(calls),
    });
    expect(calls).toHaveLength(2);
    expect(fs.existsSync(path.join(outDir, "results.csv"))).toBe(true);
    expect(fs.existsSync(path.join(outDir, "chart.svg"))).toBe(true);
  });
  it("records a failed run, summarises the others and retries it next time", async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-exp-"));
    directories.push(outDir);
    const calls: { run: PlannedRun; resume: boolean }[] = [];
    const fine = fakeTrain(calls);
    const failing = async (
      run: PlannedRun,
      runDir: string,
      resume: boolean,
    ) => {
      if (run.variant === "hierarchy.levels=2" && run.seed === 1) {
        calls.push({ run, resume });
        fs.mkdirSync(runDir, { recursive: true });
        fs.writeFileSync(path.join(runDir, "model.ir.json"), "{}");
        throw new Error("the training loss is NaN at step 3");
      }
      return fine(run, runDir, resume);
    };
    const outcome = await runExperiment({
      ir: experiment([1, 2]),
      outDir,
      train: failing,
    });
    expect(outcome.failed.map(({ run }) => [run.variant, run.seed])).toEqual([
      ["hierarchy.levels=2", 1],
    ]);
    expect(outcome.results.map((result) => result.status)).toEqual([
      "ok",
      "ok",
      "failed",
      "ok",
    ]);
    expect(outcome.results[2].error).toBe("the training loss is NaN at step 3");
    expect(outcome.summaries[1].seeds).toBe(1);
    expect(outcome.summaries[1].failed).toBe(1);
    expect(outcome.summaries[1].auc.mean).toBeCloseTo(0.62, 12);
    const csv = fs.readFileSync(path.join(outDir, "results.csv"), "utf8");
    expect(csv.split("\n")[3]).toBe(
      "hierarchy.levels=2,hierarchy.levels=2,1,,,,failed",
    );
    expect(fs.existsSync(path.join(outDir, "chart.svg"))).toBe(true);

    calls.length = 0;
    await runExperiment({ ir: experiment([1, 2]), outDir, train: fine });
    expect(
      calls.map((call) => [call.run.variant, call.run.seed, call.resume]),
    ).toEqual([["hierarchy.levels=2", 1, true]]);
  });
});
