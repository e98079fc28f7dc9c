/**
 * The `.hmdn` parser: text in, AST and syntax diagnostics out. See
 * `README.md` in this folder for the invariants the output keeps.
 */

import type { CstNode, IRecognitionException, IToken } from "chevrotain";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Source } from "../diagnostics/span.js";
import type { SpecFile } from "./ast.js";
import { ErrorLimitReached, getParser } from "./grammar.js";
import { lex, limitNesting, type LexResult } from "./lexer.js";
import { describeParseErrors, dropCascades, errorOffset } from "./messages.js";
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

/**
 * The number of syntax errors after which the parser stops. Chevrotain
 * counts several errors for some mistakes, so fewer diagnostics are shown.
 */
export const MAX_SYNTAX_ERRORS = 100;

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
 * part of the AST it could build and one diagnostic per error, up to
 * `MAX_SYNTAX_ERRORS`.
 */
export function parseSpec(text: string, path: string): ParseResult {
  const source = new Source(text, path);
  const lexed = limitLexicalErrors(lex(source), source);
  const limited = limitNesting(lexed.tokens, source);
  const parsed = parseTokens(limited.tokens, source);
  const tokens = parsed.tokens;
  const stop = lexed.stop ?? limited.diagnostic ?? parsed.stop;

  const positions = { source, tokens };
  const errorOffsets = new Set(
    parsed.errors.map((error) => errorOffset(error, positions)),
  );
  const built = buildAst(parsed.cst, {
    source,
    tokens,
    comments: lexed.comments,
    errorOffsets,
  });
  // Lexical errors take part in the cascade check, so a parse error that a
  // dropped character caused (`lr = 1` parsed as `lr 1`) is not reported
  // too; the lexical errors themselves are always kept.
  const lexical = new Set<Diagnostic>(lexed.diagnostics);
  const syntaxDiagnostics = dropCascades(
    [
      ...lexed.diagnostics,
      ...describeParseErrors(parsed.errors, {
        ...positions,
        blockOwners: built.blockOwners,
      }),
      ...built.strayDiagnostics,
    ].sort((a, b) => a.span.start - b.span.start),
    source,
    tokens,
  ).filter((item) => !lexical.has(item));

  // Where parsing stopped early, every open construct looks unclosed; the
  // diagnostic that says why it stopped covers those reports.
  const last = tokens.at(-1);
  const stopOffset =
    stop === undefined || last === undefined
      ? Number.POSITIVE_INFINITY
      : last.startOffset + last.image.length;
  const diagnostics = [
    ...lexed.diagnostics,
    ...(stop === undefined ? [] : [stop]),
    ...[...syntaxDiagnostics, ...built.diagnostics].filter(
      (item) => item.span.start < stopOffset,
    ),
  ].sort((a, b) => a.span.start - b.span.start);
  return { ast: built.ast, diagnostics, source };
}

/**
 * Keeps the first `MAX_SYNTAX_ERRORS` lexical errors and the tokens and
 * comments before the next one, so a file that is not a spec (a CSV file
 * passed by mistake) gets a bounded report instead of one error per line.
 */
function limitLexicalErrors(
  lexed: LexResult,
  source: Source,
): LexResult & { readonly stop?: Diagnostic } {
  const over = lexed.diagnostics[MAX_SYNTAX_ERRORS];
  if (over === undefined) return lexed;
  const cut = over.span.start;
  const stop = diagnostic("HMD1109", {
    file: source.path,
    span: over.span,
    message: `stopped reading after ${MAX_SYNTAX_ERRORS} lexical errors`,
    label: "nothing from here on was read",
    help: "hmdnc reads .hmdn spec files; check that this file is one",
  });
  return {
    tokens: lexed.tokens.filter((token) => token.startOffset < cut),
    comments: lexed.comments.filter((token) => token.startOffset < cut),
    diagnostics: lexed.diagnostics.slice(0, MAX_SYNTAX_ERRORS),
    stop,
  };
}

interface ParsedTokens {
  readonly cst: CstNode;
  readonly errors: IRecognitionException[];
  /** The tokens the CST was parsed from: all of them, or those before the stop. */
  readonly tokens: IToken[];
  readonly stop?: Diagnostic;
}

/**
 * Parses the tokens. When the error limit is reached, parses again only the
 * tokens before the last error, so the CST and errors describe a prefix of
 * the file that ends where parsing stopped.
 */
function parseTokens(tokens: IToken[], source: Source): ParsedTokens {
  const parser = getParser();
  parser.text = source.text;
  parser.errorLimit = MAX_SYNTAX_ERRORS;
  parser.input = tokens;
  try {
    const cst = parser.file();
    return { cst, errors: parser.errors, tokens };
  } catch (error) {
    if (!(error instanceof ErrorLimitReached)) throw error;
  }

  const lastError = parser.errors.at(-1);
  const stopAt = tokens.findIndex(
    (token) => token.startOffset >= (lastError?.token.startOffset ?? 0),
  );
  const prefix = tokens.slice(0, stopAt < 0 ? tokens.length : stopAt);
  parser.errorLimit = Number.POSITIVE_INFINITY;
  parser.input = prefix;
  const cst = parser.file();
  const stopToken = tokens[prefix.length] ?? tokens.at(-1);
  const start = stopToken?.startOffset ?? 0;
  const stop = diagnostic("HMD1109", {
    file: source.path,
    span: { start, end: start + (stopToken?.image.length ?? 0) },
    message: `stopped parsing after ${MAX_SYNTAX_ERRORS} syntax errors`,
    label: "nothing from here on was parsed",
    help: "fix the errors above and run again",
  });
  return { cst, errors: parser.errors, tokens: prefix, stop };
}
