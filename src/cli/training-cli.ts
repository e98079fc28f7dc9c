import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import type { Source } from "../diagnostics/span.js";
import { BackendError } from "../runtime/backend.js";
import { DataError, formatDataDiagnostic } from "../runtime/data/index.js";
import { describeFlagError } from "./flag-errors.js";
import { OutputPathError } from "./output-path.js";
import { RunDirectoryError } from "../runtime/train/run.js";
import { NonFiniteLossError } from "../runtime/train/trainer.js";

/** Shared pieces of `hmdnc train`, `eval` and `run`: flags, diagnostics and error reports. */

/** A bad command line; reported as `error: <message>` with exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** The parsed flags: strings, or booleans for `type: "boolean"` flags. */
export interface ParsedFlags<T extends FlagOptions> {
  readonly values: {
    readonly [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string;
  };
  readonly positionals: string[];
}

/** Parses `args` against `options`, turning parse failures into `UsageError`s. */
export function parseFlags<T extends FlagOptions>(
  args: readonly string[],
  options: T,
): ParsedFlags<T> {
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return parsed as unknown as ParsedFlags<T>;
  } catch (error) {
    throw new UsageError(describeFlagError(args, options, error));
  }
}

/** Parses a flag value as an integer of at least `min`. */
export function integerFlag(
  name: string,
  value: string | undefined,
  min: number,
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const number = Number(value);
  if (
    !/^-?\d+$/.test(value.trim()) ||
    !Number.isSafeInteger(number) ||
    number < min
  ) {
    throw new UsageError(
      `invalid value for --${name}: \`${value}\`; expected an integer of at least ${min}`,
    );
  }
  return number;
}

/** Writes diagnostics to stderr like `hmdnc check`; returns whether any is an error. */
export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
): boolean {
  const errors = diagnostics.some((item) => item.severity === "error");
  if (diagnostics.length > 0) {
    process.stderr.write(
      renderDiagnostics(diagnostics, sources, {
        color: process.stderr.isTTY === true,
      }),
    );
  }
  return errors;
}

/**
 * Prints a user error (bad flag, bad data, unusable run directory, missing
 * backend, diverged training) and returns exit code 1, or returns `null`
 * for anything else, which the dispatcher reports as an internal error.
 */
export function reportUserError(
  error: unknown,
  command: string,
): number | null {
  const write = (text: string) => process.stderr.write(text);
  if (error instanceof UsageError) {
    write(
      `error: ${error.message}\nhelp: run \`hmdnc ${command} --help\` for the options\n`,
    );
    return 1;
  }
  if (error instanceof DataError) {
    write(formatDataDiagnostic(error.diagnostic));
    return 1;
  }
  if (
    error instanceof BackendError ||
    error instanceof RunDirectoryError ||
    error instanceof OutputPathError
  ) {
    write(`error: ${error.message}\n`);
    return 1;
  }
  if (error instanceof NonFiniteLossError) {
    const kept =
      error.lastCheckpoint === null
        ? "no checkpoint was written before it"
        : `the last good checkpoint is ${error.lastCheckpoint}`;
    write(
      `error: ${error.message}; ${kept}\n` +
        "help: lower the learning rate or set `grad_clip` in the train block, then train again\n",
    );
    return 1;
  }
  return null;
}

/** Formats a time stamp for default run directory names: `20261204-081502`. */
export function timestamp(date: Date = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}
