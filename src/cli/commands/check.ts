/**
 * `hmdnc check`: checks spec files and prints their diagnostics. It loads
 * only the parser and the compiler (never TensorFlow.js) and reads a CSV
 * file only up to its header line.
 */

import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

import { checkFiles } from "../../compiler/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import {
  diagnosticsToJson,
  renderDiagnostics,
} from "../../diagnostics/render.js";
import type { Source } from "../../diagnostics/span.js";
import { describeFlagError, dataFileMistake } from "../flag-errors.js";
import type { Command } from "../main.js";

const help = `usage: hmdnc check <spec|dir>... [--data] [--format human|json]

Checks .hmdn spec files (a directory means every .hmdn file under it) and
every file they import, and prints each diagnostic once, in the file that
wrote it. Exits with 0 when there are no errors, 1 otherwise.

options:
  --data            also require every dataset's CSV file to be readable;
                    without it a missing CSV is skipped (a present one is
                    still checked against its header line)
  --format FORMAT   \`human\` (default) or \`json\` (one JSON array on stdout)
  -h, --help        show this help
`;

/** A bad command line: printed with a pointer to `--help`, exit code 1. */
export class UsageError extends Error {}

/** Parsed flags: each value is a string, or a boolean for boolean flags. */
export interface ParsedFlags {
  readonly values: Readonly<
    Record<string, string | boolean | (string | boolean)[] | undefined>
  >;
  readonly positionals: readonly string[];
}

/** Parses flags with `node:util`, turning its errors into `UsageError`s. */
export function parseFlags(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): ParsedFlags {
  try {
    return parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeFlagError(args, options, error));
  }
}

/** Reads `--format`, which must be `human` or `json`. */
export function formatFlag(value: unknown): "human" | "json" {
  if (value === undefined || value === "human") return "human";
  if (value === "json") return "json";
  throw new UsageError(
    `invalid value for --format: \`${String(value)}\`; expected \`human\` or \`json\``,
  );
}

/** Prints a usage error with the help hint and returns exit code 1. */
export function usageFailure(error: unknown, name: string): number {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(
    `error: ${error.message}\nhelp: run \`hmdnc ${name} --help\` for the options\n`,
  );
  return 1;
}

/**
 * Diagnostics as JSON. A diagnostic about a file with no text (a spec file
 * that does not exist) is placed at 1:1, so every position is 1-based.
 */
export function jsonDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
): ReturnType<typeof diagnosticsToJson> {
  const first = { line: 1, column: 1, offset: 0 };
  return diagnosticsToJson(diagnostics, sources).map((item) => ({
    ...item,
    ...(sources.has(item.file) ? {} : { start: first, end: first }),
    labels: item.labels.map((label) =>
      sources.has(label.file) ? label : { ...label, start: first, end: first },
    ),
  }));
}

/** Writes diagnostics in the chosen format (human text to stderr). */
export function writeDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
  format: "human" | "json",
): void {
  if (format === "json") {
    process.stdout.write(
      `${JSON.stringify(jsonDiagnostics(diagnostics, sources), null, 2)}\n`,
    );
    return;
  }
  const color =
    process.stderr.isTTY === true && process.env.NO_COLOR === undefined;
  process.stderr.write(renderDiagnostics(diagnostics, sources, { color }));
}

/** Expands directories into the `.hmdn` files under them, sorted. */
async function expand(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info?.isDirectory() !== true) {
      const mistake = dataFileMistake(input, "check");
      if (mistake !== null) throw new UsageError(mistake);
      files.push(input);
      continue;
    }
    const entries = (await readdir(input, { recursive: true }))
      .filter((entry) => entry.endsWith(".hmdn"))
      .map((entry) => path.join(input, entry))
      .sort();
    if (entries.length === 0) {
      throw new UsageError(`directory \`${input}\` contains no .hmdn files`);
    }
    files.push(...entries);
  }
  return files;
}

async function run(args: readonly string[]): Promise<number> {
  let format: "human" | "json";
  let files: string[];
  let data: boolean;
  try {
    const parsed = parseFlags(args, {
      data: { type: "boolean" },
      format: { type: "string" },
    });
    format = formatFlag(parsed.values.format);
    data = parsed.values.data === true;
    if (parsed.positionals.length === 0)
      throw new UsageError("no spec files given");
    files = await expand(parsed.positionals);
  } catch (error) {
    return usageFailure(error, "check");
  }
  const result = await checkFiles(files, { data });
  writeDiagnostics(result.diagnostics, result.sources, format);
  const errors = result.diagnostics.filter(
    (item) => item.severity === "error",
  ).length;
  if (format === "human" && result.diagnostics.length === 0) {
    process.stdout.write(
      `checked ${files.length} file${files.length === 1 ? "" : "s"}: no problems\n`,
    );
  }
  return errors > 0 ? 1 : 0;
}

/** The `hmdnc check` command. */
export const command: Command = {
  name: "check",
  summary: "check spec files and print their diagnostics",
  help,
  run,
};
