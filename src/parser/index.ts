/**
 * The `.hmdn` parser: text in, AST and syntax diagnostics out. See
 * `README.md` in this folder for the invariants the output keeps.
 */

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Source } from "../diagnostics/span.js";
import type { SpecFile } from "./ast.js";
import { getParser } from "./grammar.js";
import { lex, limitNesting } from "./lexer.js";
import { describeParseErrors, errorOffset } from "./messages.js";
import { buildAst } from "./to-ast.js";

export type * from "./ast.js";
export { childKeys } from "./ast.js";
export {
  DECLARATION_KEYWORDS,
  EDITOR_TOKENS,
  KEYWORDS,
  type EditorToken,
  type EditorTokenKind,
} from "./tokens.js";

/** The result of parsing one file. */
export interface ParseResult {
  /** The AST; partial when there are syntax errors. */
  readonly ast: SpecFile;
  /** Every lexical and syntax error (HMD1xxx), sorted by position. */
  readonly diagnostics: Diagnostic[];
  /** The text as parsed (byte order mark removed), for positions and rendering. */
  readonly source: Source;
}

/**
 * Parses the text of one `.hmdn` file; `path` names the file in
 * diagnostics. Never throws on any input: with syntax errors it returns the
 * part of the AST it could build and one diagnostic per error.
 */
export function parseSpec(text: string, path: string): ParseResult {
  const source = new Source(text, path);
  const lexed = lex(source);
  const limited = limitNesting(lexed.tokens, source);
  const tokens = limited.tokens;
  const parser = getParser();
  parser.input = tokens;
  const cst = parser.file();
  const errors = parser.errors;

  const positions = { source, tokens };
  const errorOffsets = new Set(
    errors.map((error) => errorOffset(error, positions)),
  );
  const built = buildAst(cst, {
    source,
    tokens,
    comments: lexed.comments,
    errorOffsets,
  });
  const parseDiagnostics = describeParseErrors(errors, {
    ...positions,
    blockOwners: built.blockOwners,
  });

  // Past a nesting cut every open construct looks unclosed; the HMD1108
  // diagnostic already explains that, so those reports are left out.
  const cut = limited.diagnostic === undefined ? [] : [limited.diagnostic];
  const cutAt = tokens.at(-1);
  const cutOffset =
    cut.length === 0 || cutAt === undefined
      ? Number.POSITIVE_INFINITY
      : cutAt.startOffset + cutAt.image.length;
  const diagnostics = [
    ...lexed.diagnostics,
    ...cut,
    ...[...parseDiagnostics, ...built.diagnostics].filter(
      (item) => item.span.start < cutOffset,
    ),
  ].sort((a, b) => a.span.start - b.span.start);
  return { ast: built.ast, diagnostics, source };
}
