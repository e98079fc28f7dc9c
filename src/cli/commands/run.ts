import * as path from "node:path";
import { dataFileMistake } from "../flag-errors.js";
import type { ExperimentIr } from "../../compiler/ir.js";
import type { VariantSummary } from "../../runtime/experiment/summary.js";
import type { Command } from "../main.js";
import { prepareOutputDirectory } from "../output-path.js";
import { createProgressListener } from "../progress.js";
import { formatMetric, renderTable } from "../table.js";
import {
  integerFlag,
  parseFlags,
  printDiagnostics,
  reportUserError,
  UsageError,
} from "../training-cli.js";

const help = `usage: hmdnc run <experiment-spec> [options]

Trains every variant of an experiment with every seed, then writes
results.json, results.csv and chart.svg (mean test AUC per variant and per
scenario, with the spread over seeds) and prints a summary table. Runs are
resumable: each lives in <out>/runs/<variant>-seed<N>-<hash>/, a run whose
metrics.json matches its IR hash is skipped, and an unfinished one
continues from its newest checkpoint.

options:
  --experiment NAME  the experiment to run when the spec declares several
  --out DIR          the output directory (default: runs/<experiment>)
  --epochs N         number of epochs for every variant
  --max-steps N      stop every run after N optimizer steps
  --backend NAME     tfjs backend: tensorflow, wasm or cpu
  --quiet            print no per-run progress
`;

/** `hmdnc run`: run an experiment (variants x seeds) and report it. */
export const command: Command = {
  name: "run",
  summary: "run an experiment's variants and seeds and chart the results",
  help,
  async run(args) {
    try {
      return await runCommand(args);
    } catch (error) {
      const code = reportUserError(error, "run");
      if (code === null) throw error;
      return code;
    }
  },
};

async function runCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    experiment: { type: "string" },
    out: { type: "string" },
    epochs: { type: "string" },
    "max-steps": { type: "string" },
    backend: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "missing the experiment spec to run"
        : `expected one experiment spec, got ${positionals.length}`,
    );
  }
  const mistake = dataFileMistake(positionals[0], "run");
  if (mistake !== null) throw new UsageError(mistake);
  const epochs = integerFlag("epochs", values.epochs, 1);
  const maxSteps = integerFlag("max-steps", values["max-steps"], 1);
  const ir = await compileSpec(positionals[0], values.experiment);
  if (ir === null) return 1;

  const { runExperiment } = await import("../../runtime/experiment/runner.js");
  const { trainRun } = await import("../../runtime/train/run.js");
  const outDir = values.out ?? path.join("runs", ir.name);
  prepareOutputDirectory(outDir);
  const quiet = values.quiet === true;
  const say = (text: string) => process.stderr.write(`${text}\n`);

  const outcome = await runExperiment({
    ir,
    outDir,
    overrides: {
      ...(epochs === undefined ? {} : { epochs }),
      ...(maxSteps === undefined ? {} : { maxSteps }),
    },
    onEvent: (event) => {
      if (event.type === "runSkip") {
        say(
          `[${event.index + 1}/${event.total}] ${event.run.variant} seed ${event.run.seed}: finished before, skipped`,
        );
      } else if (event.type === "runStart") {
        const verb = event.resumed ? "resuming" : "training";
        say(
          `[${event.index + 1}/${event.total}] ${verb} ${event.run.variant} seed ${event.run.seed}`,
        );
      } else if (event.type === "runFail") {
        const message =
          event.error instanceof Error
            ? event.error.message
            : String(event.error);
        say(`  failed: ${message}`);
      } else {
        say(
          `  test AUC ${formatMetric(event.metrics.auc)} logloss ${formatMetric(event.metrics.logloss)}`,
        );
      }
    },
    train: async (run, runDir, resume) => {
      const result = await trainRun({
        ir: run.ir,
        outDir: runDir,
        resume,
        ...(values.backend === undefined ? {} : { backend: values.backend }),
        listeners: quiet
          ? []
          : [
              createProgressListener(process.stderr, {
                interactive: process.stderr.isTTY === true,
              }),
            ],
        log: (message) => {
          if (!quiet) say(message);
        },
      });
      return result.metrics;
    },
  });

  process.stdout.write(
    `experiment ${ir.name}: ${outcome.results.length} runs in ${outDir}\n` +
      renderSummary(outcome.summaries, ir.report) +
      `wrote ${outcome.files.json}, ${outcome.files.csv} and ${outcome.files.chart}\n`,
  );
  if (outcome.failed.length > 0) {
    const names = outcome.failed
      .map(({ run }) => `${run.variant} seed ${run.seed}`)
      .join(", ");
    process.stderr.write(
      `error: ${outcome.failed.length} of ${outcome.results.length} runs failed: ${names}; ` +
        `their messages are in ${outcome.files.json}\n` +
        "help: fix their settings and run the experiment again: finished runs are skipped and failed ones retried\n",
    );
    return 1;
  }
  return 0;
}

async function compileSpec(
  spec: string,
  experiment: string | undefined,
): Promise<ExperimentIr | null> {
  const { compileExperiment } = await import("../../compiler/index.js");
  const { ir, diagnostics, sources } = await compileExperiment(spec, {
    ...(experiment === undefined ? {} : { experiment }),
  });
  const failed = printDiagnostics(diagnostics, sources);
  return failed || ir === null ? null : ir;
}

function meanStd(spread: VariantSummary["auc"]): string {
  if (spread.mean === null || spread.std === null) return "n/a";
  // One seed has no spread; "± 0.0000" would claim one.
  if (spread.count < 2) return spread.mean.toFixed(4);
  return `${spread.mean.toFixed(4)} ± ${spread.std.toFixed(4)}`;
}

/** Renders the per-variant summary: AUC mean ± std [min, max], logloss, per-scenario AUC. */
export function renderSummary(
  summaries: readonly VariantSummary[],
  report: ExperimentIr["report"] = {
    metrics: ["auc", "logloss", "gauc"],
    perScenario: true,
  },
): string {
  const scenarios = [
    ...new Set(summaries.flatMap((s) => Object.keys(s.scenarios))),
  ];
  const perScenario =
    report.perScenario && scenarios.length > 1 ? scenarios : [];
  const shows = (metric: "auc" | "logloss" | "gauc") =>
    report.metrics.includes(metric);
  const anyFailed = summaries.some((s) => s.failed > 0);
  const header = [
    "variant",
    "seeds",
    ...(anyFailed ? ["failed"] : []),
    ...(shows("auc") ? ["AUC mean ± std", "AUC min", "AUC max"] : []),
    ...(shows("logloss") ? ["logloss"] : []),
    ...(shows("gauc") ? ["GAUC"] : []),
    ...perScenario.map((name) => `AUC ${name}`),
  ];
  const rows = summaries.map((s) => [
    s.variant,
    String(s.seeds),
    ...(anyFailed ? [String(s.failed)] : []),
    ...(shows("auc")
      ? [meanStd(s.auc), formatMetric(s.auc.min), formatMetric(s.auc.max)]
      : []),
    ...(shows("logloss") ? [formatMetric(s.logloss.mean)] : []),
    ...(shows("gauc") ? [formatMetric(s.gauc.mean)] : []),
    ...perScenario.map((name) =>
      meanStd(
        s.scenarios[name] ?? {
          mean: null,
          std: null,
          min: null,
          max: null,
          count: 0,
        },
      ),
    ),
  ]);
  return renderTable(
    header,
    rows,
    header.map((_, i) => (i === 0 ? "left" : "right")),
  );
}
