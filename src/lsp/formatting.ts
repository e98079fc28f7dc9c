import type { TextEdit } from "vscode-languageserver";

import { formatAst } from "../format/format.js";
import { blockingDiagnostics } from "../format/parse.js";
import type { Analysis } from "./analysis.js";
import { PositionMap } from "./positions.js";

/**
 * Formats a document with the hmdnc formatter as one edit over the whole
 * text. A document with syntax errors gets no edits: its diagnostics are
 * already shown, and formatting it could only guess.
 */
export async function formatDocument(
  analysis: Analysis,
  text: string,
): Promise<TextEdit[]> {
  const { ast, diagnostics, source } = analysis.parsed;
  if (blockingDiagnostics(diagnostics).length > 0) return [];
  const formatted = await formatAst(ast, source.text, analysis.file);
  if (formatted === text) return [];
  const positions = new PositionMap(text);
  return [
    {
      range: positions.range({ start: 0, end: source.text.length }),
      newText: formatted,
    },
  ];
}
