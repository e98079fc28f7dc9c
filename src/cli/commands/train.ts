import * as path from "node:path";
import { dataFileMistake } from "../flag-errors.js";
import type { ModelIr } from "../../compiler/ir.js";
import { TrainingInterruptedError } from "../../runtime/train/trainer.js";
import type { Command } from "../main.js";
import { prepareOutputDirectory } from "../output-path.js";
import { createProgressListener } from "../progress.js";
import { renderMetricsReport } from "../table.js";
import {
  integerFlag,
  parseFlags,
  printDiagnostics,
  reportUserError,
  timestamp,
  UsageError,
} from "../training-cli.js";

const help = `usage: hmdnc train <spec> [options]
       hmdnc train --resume DIR [<spec>]

Compiles a model spec, trains it on its dataset and prints the test metrics
(AUC, logloss, GAUC and AUC per scenario). Everything the run produces goes
to one run directory: the IR, the preprocessing, checkpoints, log.jsonl, the
final model (tfjs format) and metrics.json.

options:
  --model NAME     the model to train when the spec declares several
  --data FILE      a CSV file to read instead of the dataset's source
  --out DIR        the run directory (default: runs/<model>-<timestamp>)
  --epochs N       number of epochs, overriding the spec's train block
  --max-steps N    stop after N optimizer steps in all
  --seed N         seed of initialisation, shuffling and dropout
  --backend NAME   tfjs backend: tensorflow, wasm or cpu (default: the
                   first that starts, in that order)
  --resume DIR     continue the run in DIR from its newest checkpoint; with
                   a spec, the spec must compile to the run's model
  --quiet          print no progress, only the final metrics
`;

/** `hmdnc train`: compile, train, evaluate on the test split. */
export const command: Command = {
  name: "train",
  summary: "train a model and report its test metrics",
  help,
  async run(args) {
    try {
      return await train(args);
    } catch (error) {
      if (error instanceof TrainingInterruptedError) {
        return reportInterrupt(error);
      }
      const code = reportUserError(error, "train");
      if (code === null) throw error;
      return code;
    }
  },
};

async function train(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    model: { type: "string" },
    data: { type: "string" },
    out: { type: "string" },
    epochs: { type: "string" },
    "max-steps": { type: "string" },
    seed: { type: "string" },
    backend: { type: "string" },
    resume: { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length > 1) {
    throw new UsageError(`expected one spec file, got ${positionals.length}`);
  }
  const spec = positionals[0];
  const mistake = spec === undefined ? null : dataFileMistake(spec, "train");
  if (mistake !== null) throw new UsageError(mistake);
  if (spec === undefined && values.resume === undefined) {
    throw new UsageError("missing the spec file to train");
  }
  if (values.resume !== undefined && values.out !== undefined) {
    throw new UsageError(
      "--resume continues a run in its own directory; drop --out",
    );
  }
  if (spec === undefined) {
    const ignored = ["model", "data", "epochs", "max-steps", "seed"].filter(
      (name) => values[name as keyof typeof values] !== undefined,
    );
    if (ignored.length > 0) {
      throw new UsageError(
        `--${ignored[0]} changes the model, so it needs the spec: ` +
          "pass the spec too, and the run must still match it",
      );
    }
  }
  const overrides = {
    epochs: integerFlag("epochs", values.epochs, 1),
    maxSteps: integerFlag("max-steps", values["max-steps"], 1),
    seed: integerFlag("seed", values.seed, 0),
  };

  let ir: ModelIr | null = null;
  if (spec !== undefined) {
    const compiled = await compileSpec(spec, values.model, values.data);
    if (compiled === null) return 1;
    ir = applyOverrides(compiled, overrides);
  }

  const { trainRun, irHash, readRun } = await import(
    "../../runtime/train/run.js"
  );
  if (values.resume !== undefined && ir !== null) {
    const saved = readRun(values.resume).settings.irHash;
    if (irHash(ir) !== saved) {
      throw new UsageError(
        `${spec} (with these flags) compiles to a different model than the run in ${values.resume} trained; ` +
          "resume without the spec, or train it as a new run without --resume",
      );
    }
  }
  const outDir =
    values.resume ??
    values.out ??
    path.join("runs", `${ir?.name ?? "model"}-${timestamp()}`);
  // A new run's directory is checked now, before the data is read and
  // the network built, so a bad --out fails at once.
  if (values.resume === undefined) prepareOutputDirectory(outDir);

  const listeners =
    values.quiet === true
      ? []
      : [
          createProgressListener(process.stderr, {
            interactive: process.stderr.isTTY === true,
          }),
        ];
  // The first Ctrl-C stops after the current step with a checkpoint; a
  // second one exits at once.
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on("SIGINT", onInterrupt);
  const result = await trainRun({
    shouldStop: () => interrupted,
    ir,
    outDir,
    resume: values.resume !== undefined,
    ...(values.data === undefined ? {} : { dataPath: values.data }),
    ...(values.backend === undefined ? {} : { backend: values.backend }),
    listeners,
    log: (message) => {
      if (values.quiet !== true) process.stderr.write(`${message}\n`);
    },
  }).finally(() => process.off("SIGINT", onInterrupt));
  if (result.outcome === null) {
    process.stderr.write(
      `${outDir} holds a finished run; showing its metrics\n`,
    );
  }
  process.stdout.write(
    `run directory: ${outDir}\n${renderMetricsReport(result.metrics, result.ir.evaluate)}`,
  );
  return 0;
}

/** Says where training stopped and how to continue; returns exit code 130. */
function reportInterrupt(error: TrainingInterruptedError): number {
  const runDir =
    error.checkpoint === null
      ? null
      : path.dirname(path.dirname(error.checkpoint));
  const saved =
    error.checkpoint === null
      ? "no checkpoint was written"
      : `the checkpoint is ${error.checkpoint}`;
  process.stderr.write(
    `${error.message}; ${saved}\n` +
      (runDir === null
        ? ""
        : `help: continue it with \`hmdnc train --resume ${runDir}\`\n`),
  );
  return 130;
}

/** Compiles the spec and prints its diagnostics; returns `null` when it has errors. */
async function compileSpec(
  spec: string,
  model: string | undefined,
  data: string | undefined,
): Promise<ModelIr | null> {
  const { compileModel } = await import("../../compiler/index.js");
  const { ir, diagnostics, sources } = await compileModel(spec, {
    ...(model === undefined ? {} : { model }),
    ...(data === undefined ? {} : { dataOverride: data }),
  });
  const failed = printDiagnostics(diagnostics, sources);
  return failed || ir === null ? null : ir;
}

/** Applies `--epochs`, `--max-steps` and `--seed` to the IR's train block. */
export function applyOverrides(
  ir: ModelIr,
  overrides: { epochs?: number; maxSteps?: number; seed?: number },
): ModelIr {
  return {
    ...ir,
    train: {
      ...ir.train,
      ...(overrides.epochs === undefined ? {} : { epochs: overrides.epochs }),
      ...(overrides.maxSteps === undefined
        ? {}
        : { maxSteps: overrides.maxSteps }),
      ...(overrides.seed === undefined ? {} : { seed: overrides.seed }),
    },
  };
}
