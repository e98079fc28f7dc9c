/**
 * `hmdnc compile`: compiles one model to `DIR/<model>.ir.json` and prints a
 * summary table of its blocks (output shape, parameters, FLOPs per sample).
 */

import { rename, rm, writeFile } from "node:fs/promises";
import { dataFileMistake } from "../flag-errors.js";
import path from "node:path";

import {
  compileModel,
  formatParams,
  inferShapes,
  totalOf,
  type BlockSummary,
  type ModelIr,
} from "../../compiler/index.js";
import type { Command } from "../main.js";
import { OutputPathError, prepareOutputDirectory } from "../output-path.js";
import { renderTable } from "../table.js";
import {
  formatFlag,
  jsonDiagnostics,
  parseFlags,
  usageFailure,
  UsageError,
  writeDiagnostics,
} from "./check.js";

const help = `usage: hmdnc compile <spec> [--model NAME] [-o DIR] [--emit FORMAT] [--format human|json]

Compiles one model of a spec file into its JSON IR, written to
DIR/<model>.ir.json, and prints each block's output shape, parameter count
and estimated FLOPs per sample. Vocabulary tables are counted as
\`rows(TABLE) x dim\` and per-scenario parts as \`P x count\` (P scenarios),
because both are known only once the data is read.

options:
  --model NAME      the model to compile; required when the file declares
                    more than one
  -o, --out DIR     output folder (default: the current folder)
  --emit FORMAT     what to write: \`ir\` (default), or \`tfjs\`: the IR plus
                    an initialised TensorFlow.js model in DIR/<model>.tfjs/
                    and the vocabularies it was sized from in
                    DIR/<model>.preprocessing.json (reads the training split)
  --data FILE       with \`--emit tfjs\`: read this CSV instead of the
                    dataset's source
  --format FORMAT   \`human\` (default) or \`json\` (diagnostics, output path
                    and summary as one JSON object on stdout)
  -h, --help        show this help
`;

/**
 * Output writers by `--emit` name. Each returns the paths it wrote. New
 * targets (such as a TensorFlow.js model) are added here; they are loaded
 * lazily so `compile --emit ir` never loads a runtime.
 */
const emitters: Readonly<
  Record<string, (ir: ModelIr, dir: string) => Promise<string[]>>
> = {
  ir: async (ir, dir) => [await writeIr(ir, dir)],
  tfjs: async (ir, dir) => {
    // The tables are sized by the vocabularies, so the training split is
    // read once, exactly as `hmdnc train` reads it, before anything is
    // written: a data error leaves no output behind.
    const { fitPreprocessing, serializePreprocessing } = await import(
      "../../runtime/data/index.js"
    );
    const { writeInitialModel } = await import("../../runtime/export.js");
    const preprocessing = await fitPreprocessing(ir);
    const written = [await writeIr(ir, dir)];
    written.push(
      await writeAtomically(
        path.join(dir, `${ir.name}.preprocessing.json`),
        serializePreprocessing(preprocessing),
      ),
    );
    const modelDir = path.join(dir, `${ir.name}.tfjs`);
    await writeInitialModel(ir, preprocessing, modelDir, {
      log: (message) => process.stderr.write(`${message}\n`),
    });
    written.push(path.join(modelDir, "model.json"));
    return written;
  },
};

function writeIr(ir: ModelIr, dir: string): Promise<string> {
  return writeAtomically(
    path.join(dir, `${ir.name}.ir.json`),
    `${JSON.stringify(ir, null, 2)}\n`,
  );
}

/** Writes to a temporary file in the same folder, then renames it into place. */
async function writeAtomically(file: string, text: string): Promise<string> {
  prepareOutputDirectory(path.dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return file;
}

/** Renders the summary rows and their total as a text table. */
export function renderSummary(rows: readonly BlockSummary[]): string {
  const total = totalOf(rows);
  const cells = rows.map((row) => [
    row.block,
    `[${row.output.join(", ")}]`,
    formatParams(row.params),
    row.flops.toLocaleString("en-US"),
  ]);
  cells.push([
    "total",
    "",
    formatParams(total.params),
    total.flops.toLocaleString("en-US"),
  ]);
  return renderTable(["block", "output", "params", "FLOPs/sample"], cells, [
    "left",
    "left",
    "right",
    "right",
  ]);
}

async function run(args: readonly string[]): Promise<number> {
  let spec: string;
  let options: {
    model?: string;
    data?: string;
    out: string;
    emit: string;
    format: "human" | "json";
  };
  try {
    const parsed = parseFlags(args, {
      model: { type: "string" },
      out: { type: "string", short: "o" },
      emit: { type: "string" },
      data: { type: "string" },
      format: { type: "string" },
    });
    if (parsed.positionals.length !== 1) {
      throw new UsageError(
        `expected one spec file, found ${parsed.positionals.length}`,
      );
    }
    spec = parsed.positionals[0];
    const mistake = dataFileMistake(spec, "compile");
    if (mistake !== null) throw new UsageError(mistake);
    const emit = (parsed.values.emit as string | undefined) ?? "ir";
    if (!Object.hasOwn(emitters, emit)) {
      throw new UsageError(
        `invalid value for --emit: \`${emit}\`; expected ${Object.keys(emitters)
          .map((name) => `\`${name}\``)
          .join(", ")}`,
      );
    }
    options = {
      model: parsed.values.model as string | undefined,
      data: parsed.values.data as string | undefined,
      out: (parsed.values.out as string | undefined) ?? ".",
      emit,
      format: formatFlag(parsed.values.format),
    };
  } catch (error) {
    return usageFailure(error, "compile");
  }

  const result = await compileModel(spec, {
    model: options.model,
    dataOverride: options.data,
  });
  const ir = result.ir;
  let written: string[] = [];
  try {
    if (ir !== null) written = await emitters[options.emit](ir, options.out);
  } catch (error) {
    if (error instanceof OutputPathError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    const { reportUserError } = await import("../training-cli.js");
    const code = reportUserError(error, "compile");
    if (code === null) throw error;
    return code;
  }
  const summary = ir === null ? [] : inferShapes(ir);
  if (options.format === "json") {
    const diagnostics = jsonDiagnostics(result.diagnostics, result.sources);
    process.stdout.write(
      `${JSON.stringify({ written, summary, diagnostics }, null, 2)}\n`,
    );
    return ir === null ? 1 : 0;
  }
  writeDiagnostics(result.diagnostics, result.sources, "human");
  if (ir === null) return 1;
  process.stdout.write(
    `model \`${ir.name}\`\n\n${renderSummary(summary)}\nwrote ${written.join(", ")}\n`,
  );
  return 0;
}

/** The `hmdnc compile` command. */
export const command: Command = {
  name: "compile",
  summary: "compile a model to JSON IR and print its shapes and sizes",
  help,
  run,
};
