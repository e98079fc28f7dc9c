import type { Parser, ParserOptions } from "prettier";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Node, SpecFile } from "../parser/ast.js";
import { parseSpec } from "../parser/index.js";

/** The AST format name that connects the parser to the printer. */
export const AST_FORMAT = "hmdn";

/**
 * The error a prettier parse raises for a file with syntax errors. It keeps
 * the hmdnc diagnostics so `hmdnc fmt` and the language server can show
 * them as `hmdnc check` would; prettier itself reads `loc` for its frame.
 */
export class SpecSyntaxError extends SyntaxError {
  readonly diagnostics: readonly Diagnostic[];
  readonly loc: { start: { line: number; column: number } };

  constructor(
    diagnostics: readonly Diagnostic[],
    start: { line: number; column: number },
  ) {
    const first = diagnostics[0];
    super(`${first.code}: ${first.message}`);
    this.name = "SpecSyntaxError";
    this.diagnostics = diagnostics;
    this.loc = { start };
  }
}

/** Returns the diagnostics that stop formatting: every error, no warning. */
export function blockingDiagnostics(
  diagnostics: readonly Diagnostic[],
): Diagnostic[] {
  return diagnostics.filter((item) => item.severity === "error");
}

/**
 * Copies an AST for prettier. Prettier's comment attachment writes
 * `comments` arrays and flags into the nodes it is given, so the printer
 * always works on a copy and the caller's AST stays as it was.
 */
export function cloneForPrinting(ast: SpecFile): SpecFile {
  return structuredClone(ast);
}

function parse(text: string, options: ParserOptions<Node>): SpecFile {
  const result = parseSpec(text, options.filepath ?? "<input>");
  const errors = blockingDiagnostics(result.diagnostics);
  if (errors.length > 0) {
    throw new SpecSyntaxError(
      errors,
      result.source.lineColumn(errors[0].span.start),
    );
  }
  return cloneForPrinting(result.ast);
}

/** The start offset of a node or comment, for prettier. */
export function locStart(node: Node): number {
  return node.loc.start;
}

/** The end offset of a node or comment, for prettier. */
export function locEnd(node: Node): number {
  return node.loc.end;
}

/** The prettier parser of `.hmdn` text: the hmdnc parser itself. */
export const hmdnParser: Parser<Node> = {
  parse,
  astFormat: AST_FORMAT,
  locStart,
  locEnd,
};
