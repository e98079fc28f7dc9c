import { parseArgs } from "node:util";

import { DataError, formatDataDiagnostic } from "../../runtime/data/errors.js";
import {
  SEGMENT_MODES,
  resolveSynthOptions,
  writeSyntheticCsv,
  type SegmentMode,
  type SynthOptions,
  type SynthSummary,
} from "../../runtime/synth/index.js";
import { describeFlagError } from "../flag-errors.js";
import type { Command } from "../main.js";
import { OutputPathError, prepareOutputFile } from "../output-path.js";

const help = `usage: hmdnc synth --rows N --out FILE [options]

Writes a synthetic CSV click log with a planted hierarchy: scenario groups,
scenarios, user populations and interests nested inside populations. The
click probability follows the model in docs/synthetic-data.md, and the
planted labels are written as columns (true_scenario_group, true_population,
true_interest) that specs must not use as features. The file is streamed, so
any size fits in constant memory, and the same seed writes the same bytes.

options:
  --rows N         data rows to write (suffixes k and M: 100k, 10M)
  --out FILE       the CSV file to write (replaced atomically)
  --seed S         random seed, a 32-bit signed integer (default 1)
  --scenarios M    number of scenarios, 2 to 1000 (default 6)
  --users U        number of users, at most 10M (default 20000)
  --items I        number of items, 12 to 10M (default 5000)
  --segments MODE  how the user fields reveal the population: votes (each
                   segment field is a noisy vote; default) or joint (only
                   the two segment fields together name it)
`;

/** `hmdnc synth`: write a synthetic click log with a planted hierarchy. */
export const command: Command = {
  name: "synth",
  summary: "write a synthetic click log with a planted hierarchy",
  help,
  run: runSynth,
};

async function runSynth(args: readonly string[]): Promise<number> {
  const request = parseOptions(args);
  if (typeof request === "string") return optionError(request);
  try {
    prepareOutputFile(request.out);
  } catch (error) {
    if (error instanceof OutputPathError) return optionError(error.message);
    throw error;
  }

  // Ctrl-C, SIGTERM or SIGHUP stops the writer at the next chunk and removes
  // the temp file, so no half-written file is left.
  const interrupt = new AbortController();
  const signals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  const handlers = Object.entries(signals).map(([name, code]) => {
    // The abort reason carries the exit code of the signal.
    const handler = () => interrupt.abort(code);
    process.once(name, handler);
    return () => process.off(name, handler);
  });
  const started = performance.now();
  let summary: SynthSummary;
  try {
    summary = await writeSyntheticCsv(
      request.out,
      request.options,
      undefined,
      interrupt.signal,
    );
  } catch (error) {
    if (interrupt.signal.aborted) {
      process.stderr.write(`interrupted; ${request.out} was not written\n`);
      return interrupt.signal.reason as number;
    }
    const reason = writeFailure(error);
    if (reason === null) throw error;
    return optionError(`cannot write \`${request.out}\`: ${reason}`);
  } finally {
    for (const remove of handlers) remove();
  }

  const seconds = (performance.now() - started) / 1000;
  printSummary(request.out, summary, seconds);
  return 0;
}

/** Parses the command line, or returns the message of the first invalid option. */
function parseOptions(
  args: readonly string[],
): { out: string; options: Required<SynthOptions> } | string {
  const flags = {
    rows: { type: "string" },
    out: { type: "string" },
    seed: { type: "string", default: "1" },
    scenarios: { type: "string" },
    users: { type: "string" },
    items: { type: "string" },
    segments: { type: "string" },
  } as const;
  let values;
  try {
    values = parseArgs({ args: [...args], options: flags }).values;
  } catch (error) {
    return describeFlagError(args, flags, error);
  }
  if (values.rows === undefined) return "missing `--rows N`";
  if (values.out === undefined) return "missing `--out FILE`";
  const segments = values.segments;
  if (
    segments !== undefined &&
    !SEGMENT_MODES.includes(segments as SegmentMode)
  ) {
    return `\`--segments\` must be ${SEGMENT_MODES.join(" or ")}, got \`${segments}\``;
  }

  try {
    const options = resolveSynthOptions({
      rows: parseCount("--rows", values.rows),
      seed: parseCount("--seed", values.seed ?? "1"),
      scenarios: optionalCount("--scenarios", values.scenarios),
      users: optionalCount("--users", values.users),
      items: optionalCount("--items", values.items),
      segments: segments as SegmentMode | undefined,
    });
    return { out: values.out, options };
  } catch (error) {
    // The library names options without dashes: `rows`, not `--rows`.
    if (error instanceof RangeError) {
      return error.message.replace(/^`(\w+)`/, "`--$1`");
    }
    throw error;
  }
}

function printSummary(out: string, summary: SynthSummary, seconds: number) {
  const rate = (rows: number, clicks: number) =>
    rows > 0 ? ((100 * clicks) / rows).toFixed(2) : "0.00";
  process.stdout.write(
    `wrote ${summary.rows} rows to ${out} in ${seconds.toFixed(1)} s ` +
      `(click rate ${rate(summary.rows, summary.clicks)} %)\n`,
  );
  for (const [name, counts] of Object.entries(summary.scenarios)) {
    process.stdout.write(
      `  ${name.padEnd(4)} ${String(counts.rows).padStart(10)} rows  ` +
        `${rate(counts.rows, counts.clicks)} %\n`,
    );
  }
}

/** Parses an integer with an optional k (thousand) or M (million) suffix. */
function parseCount(flag: string, text: string): number {
  const match = /^(-?\d+(?:\.\d+)?)([kM]?)$/.exec(text);
  let value = NaN;
  if (match !== null) {
    const scale = match[2] === "k" ? 1e3 : 1;
    value = Number(match[1]) * (match[2] === "M" ? 1e6 : scale);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`\`${flag}\` must be an integer, got \`${text}\``);
  }
  return value;
}

/** Returns a plain reason for a file-system error, or null for other errors. */
function writeFailure(error: unknown): string | null {
  switch ((error as { code?: string }).code) {
    case "ENOENT":
      return "the directory does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return null;
  }
}

function optionalCount(
  flag: string,
  text: string | undefined,
): number | undefined {
  return text === undefined ? undefined : parseCount(flag, text);
}

function optionError(message: string): number {
  process.stderr.write(
    formatDataDiagnostic(
      new DataError({
        code: "HMD4014",
        message,
        file: "hmdnc synth",
        line: 0,
        column: 0,
        help: "run `hmdnc synth --help` for the options",
      }).diagnostic,
    ),
  );
  return 1;
}
