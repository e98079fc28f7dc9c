import { randomBytes } from "node:crypto";
import {
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { renderDiagnostics } from "../../diagnostics/render.js";
import { Source } from "../../diagnostics/span.js";
import { notTextFileDiagnostic } from "../../diagnostics/text-file.js";
import { formatSpec } from "../../format/format.js";
import { dataFileMistake } from "../flag-errors.js";
import type { Command } from "../main.js";

const help = `usage: hmdnc fmt [--check] <file or directory>...

Formats .hmdn spec files in place with the hmdnc layout (see docs/editor.md):
one entry per line, or a block on one line when it was written on one line
and fits in 80 columns; two-space indentation; at most one blank line in a
row; every comment kept. A directory stands for every .hmdn file under it.

A file with syntax errors is left as it is and its diagnostics are printed.

options:
  --check   write nothing; list the files that formatting would change and
            exit with code 1 if there are any

A file with syntax errors is left unchanged and makes the exit code 1.
`;

/** `hmdnc fmt`: format spec files in place, or check that they are formatted. */
export const command: Command = {
  name: "fmt",
  summary: "format spec files, or check that they are formatted",
  help,
  run: runFormat,
};

async function runFormat(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { check: { type: "boolean", default: false } },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const check = parsed.values.check === true;
  if (parsed.positionals.length === 0) {
    return usageError("missing the files or directories to format");
  }

  const files: string[] = [];
  for (const target of parsed.positionals) {
    const mistake = dataFileMistake(target, "fmt");
    if (mistake !== null) return usageError(mistake);
    const found = await collectSpecFiles(target);
    if (found === null) {
      process.stderr.write(`error: \`${target}\` not found\n`);
      return 1;
    }
    files.push(...found);
  }

  let unreadable = 0;
  const changed: string[] = [];
  for (const file of files) {
    const outcome = await formatFile(file, check);
    if (outcome === "syntax-error") unreadable++;
    if (outcome === "changed") changed.push(file);
  }
  const unformatted = report(files.length - unreadable, changed, check);
  if (unreadable > 0) {
    const noun = unreadable === 1 ? "file" : "files";
    process.stdout.write(`${unreadable} ${noun} could not be formatted\n`);
  }
  return unformatted || unreadable > 0 ? 1 : 0;
}

type Outcome = "unchanged" | "changed" | "syntax-error";

async function formatFile(file: string, check: boolean): Promise<Outcome> {
  const bytes = await readFile(file);
  // Decoding with Buffer keeps a byte order mark, which the output keeps.
  const text = bytes.toString("utf8");
  const binary = notTextFileDiagnostic(file, bytes);
  const result = binary
    ? { ok: false as const, diagnostics: [binary] }
    : await formatSpec(text, file);
  if (!result.ok) {
    const sources = new Map([[file, new Source(text, file)]]);
    process.stderr.write(
      renderDiagnostics(result.diagnostics, sources, {
        color: process.stderr.isTTY === true,
      }),
    );
    process.stderr.write(
      binary
        ? `error: ${file} is not a text file; left unchanged\n`
        : `error: ${file} has syntax errors; left unchanged\n`,
    );
    return "syntax-error";
  }
  if (!result.changed) return "unchanged";
  if (!check) await writeAtomically(file, result.formatted);
  return "changed";
}

/**
 * Prints what changed among the `count` files that parsed; returns true
 * when `--check` found unformatted files.
 */
function report(
  count: number,
  changed: readonly string[],
  check: boolean,
): boolean {
  for (const file of changed) {
    process.stdout.write(
      check ? `would reformat ${file}\n` : `formatted ${file}\n`,
    );
  }
  const noun = count === 1 ? "file" : "files";
  // With no file parsed, only the line about unformattable files is printed.
  if (count === 0) return false;
  if (check) {
    process.stdout.write(
      changed.length === 0
        ? `${count} ${noun} already formatted\n`
        : `${changed.length} of ${count} ${noun} would be reformatted\n`,
    );
    return changed.length > 0;
  }
  process.stdout.write(`formatted ${changed.length} of ${count} ${noun}\n`);
  return false;
}

/**
 * Lists the `.hmdn` files a command-line target names: the file itself, or
 * every `.hmdn` file under a directory (skipping `node_modules` and hidden
 * directories), sorted. Returns null when the target does not exist.
 */
async function collectSpecFiles(target: string): Promise<string[] | null> {
  const info = await stat(target).catch(() => null);
  if (info === null) return null;
  if (!info.isDirectory()) return [target];
  const found: string[] = [];
  const visit = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
          await visit(child);
        }
      } else if (entry.isFile() && entry.name.endsWith(".hmdn")) {
        found.push(child);
      }
    }
  };
  await visit(target);
  return found;
}

/** Replaces a file through a temporary file and a rename, so a crash leaves no half-written spec. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const mode = (await stat(file)).mode;
  try {
    await writeFile(temporary, text, { mode });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function usageError(message: string): number {
  process.stderr.write(
    `error: ${message}\nhelp: run \`hmdnc fmt --help\` for the usage\n`,
  );
  return 1;
}
