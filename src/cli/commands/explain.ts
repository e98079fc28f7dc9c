/**
 * `hmdnc explain CODE`: prints the page `docs/diagnostics/CODE.md`. Pages
 * are found relative to the package root, so it works from any folder.
 */

import { readFile } from "node:fs/promises";

import { codeInfo, codes, docsPath } from "../../diagnostics/codes.js";
import { unknownCodeHelp } from "../../diagnostics/code-suggestions.js";
import type { Command } from "../main.js";
import { parseFlags, usageFailure, UsageError } from "./check.js";

const help = `usage: hmdnc explain <CODE>

Prints the explanation of a diagnostic code, for example \`hmdnc explain HMD2003\`.

options:
  -h, --help   show this help
`;

/** The package root: this file is `{src,dist}/cli/commands/explain.*`. */
const packageRoot = new URL("../../../", import.meta.url);

async function run(args: readonly string[]): Promise<number> {
  let code: string;
  try {
    const parsed = parseFlags(args, {});
    if (parsed.positionals.length !== 1) {
      throw new UsageError(
        `expected one diagnostic code, found ${parsed.positionals.length}`,
      );
    }
    code = parsed.positionals[0].toUpperCase();
  } catch (error) {
    return usageFailure(error, "explain");
  }
  if (codeInfo(code) === undefined) {
    process.stderr.write(
      `error: unknown diagnostic code \`${code}\`\n` +
        `help: ${unknownCodeHelp(code, Object.keys(codes))}\n`,
    );
    return 1;
  }
  const page = new URL(docsPath(code), packageRoot);
  const text = await readFile(page, "utf8").catch(() => null);
  if (text === null) {
    process.stderr.write(
      `error: the explanation of \`${code}\` is missing from this installation (${page.pathname})\n`,
    );
    return 1;
  }
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  return 0;
}

/** The `hmdnc explain` command. */
export const command: Command = {
  name: "explain",
  summary: "print the explanation of a diagnostic code",
  help,
  run,
};
