import { format as prettierFormat } from "prettier";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Node, SpecFile } from "../parser/ast.js";
import { parseSpec } from "../parser/index.js";
import {
  AST_FORMAT,
  blockingDiagnostics,
  cloneForPrinting,
  locEnd,
  locStart,
} from "./parse.js";
import plugin from "./plugin.js";

/** The layout options; hmdnc uses prettier's defaults for everything else. */
export const FORMAT_OPTIONS = {
  printWidth: 80,
  tabWidth: 2,
  useTabs: false,
} as const;

/** The outcome of formatting one file. */
export type FormatResult =
  | { readonly ok: true; readonly formatted: string; readonly changed: boolean }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * Formats the text of one `.hmdn` file. A file with syntax errors is not
 * formatted: the result carries its error diagnostics instead.
 */
export async function formatSpec(
  text: string,
  path: string,
): Promise<FormatResult> {
  const parsed = parseSpec(text, path);
  const errors = blockingDiagnostics(parsed.diagnostics);
  if (errors.length > 0) return { ok: false, diagnostics: errors };
  // `Source` strips a byte order mark before parsing; the file keeps it.
  const mark = text.charCodeAt(0) === 0xfeff ? "\ufeff" : "";
  const formatted =
    mark + (await formatAst(parsed.ast, parsed.source.text, path));
  return { ok: true, formatted, changed: formatted !== text };
}

/**
 * Prints an already parsed AST of `text` (the text without a byte order
 * mark, as `Source.text` holds it). The AST is copied before prettier sees
 * it, so it is left unchanged. The output keeps the line ends of `text`:
 * CRLF when its first line ends with CRLF, LF otherwise.
 */
export async function formatAst(
  ast: SpecFile,
  text: string,
  path: string,
): Promise<string> {
  // Prettier turns CRLF and CR into LF before it reads positions, so the
  // spans of a CRLF text would point past their nodes: such a text is
  // parsed again in its LF form.
  const normalized = text.replace(/\r\n?/g, "\n");
  const tree = normalized === text ? ast : parseSpec(normalized, path).ast;
  const copy = cloneForPrinting(tree);
  const parser = { parse: () => copy, astFormat: AST_FORMAT, locStart, locEnd };
  const printed = (await prettierFormat(normalized, {
    ...FORMAT_OPTIONS,
    filepath: path,
    parser: "hmdn-ast",
    plugins: [{ ...plugin, parsers: { "hmdn-ast": parser } } as never],
    endOfLine: "lf",
  } as never)) as string;
  // A CRLF file printed with LF would show as a change of every line.
  return usesCrlf(text) ? printed.replace(/\n/g, "\r\n") : printed;
}

/** Tells whether the first line break of `text` is CRLF. */
function usesCrlf(text: string): boolean {
  const lineFeed = text.indexOf("\n");
  return lineFeed > 0 && text.charCodeAt(lineFeed - 1) === 0x0d;
}
