/**
 * The token definitions of the `.hmdn` language, in the order the lexer tries
 * them. Chevrotain takes the first pattern that matches, so keywords come
 * before `Identifier` and carry `longer_alt: Identifier`: that is what makes
 * `modelName`, `group_id` and `trainer` lex as one identifier.
 *
 * Some token types only exist to give a precise diagnostic: an unterminated
 * string still counts as a string for the parser, and a malformed number as
 * a number, so one bad literal does not derail the rest of the file.
 */

import type { TokenType } from "chevrotain";
import { chevrotain } from "./chevrotain.js";

const { Lexer, createToken } = chevrotain;

/** Category of every token that can start an entry: names and most keywords. */
export const EntryKey = createToken({ name: "EntryKey", pattern: Lexer.NA });

/**
 * Category of the keywords that may be entry keys (`task click { .. }`). The
 * parser also accepts them where a name belongs, so that `model train {`
 * gets a "reserved word" diagnostic instead of a generic one.
 */
export const KeyKeyword = createToken({
  name: "KeyKeyword",
  pattern: Lexer.NA,
  categories: [EntryKey],
});

/**
 * Category of the tokens that cannot start an entry (numbers, strings,
 * punctuation other than braces, and the keywords that are never keys).
 * Inside a block a run of them is parsed as stray tokens and reported, so
 * the error stays inside its block instead of unwinding the parse.
 */
export const Stray = createToken({ name: "Stray", pattern: Lexer.NA });

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  // A byte order mark is stripped from the start of the text by `Source`;
  // one anywhere else is treated as white space too.
  pattern: /[ \t\r\n\ufeff]+/,
  group: Lexer.SKIPPED,
});

export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: "comments",
});

/** Block comments do not nest: the first `*\/` closes the comment, as in C and JavaScript. */
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
});

/** A block comment that runs to the end of the file; reported as HMD1004. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
});

/**
 * A string on one line. Any backslash pair is accepted here, and the lexer
 * then reports escapes other than `\" \\ \n \t \uXXXX` as HMD1003.
 */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [Stray],
});

/** A string that reaches the end of its line without a closing quote (HMD1002). */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLiteral],
});

/** A string in single quotes, which the language lacks; reported as HMD1006. */
export const SingleQuotedString = createToken({
  name: "SingleQuotedString",
  pattern: /'[^'\r\n]*'/,
  categories: [StringLiteral],
});

/**
 * A number and whatever letters, digits and dots stick to it, so that `2G`
 * or `1.2.3` is one token the lexer can report (HMD1005) instead of a number
 * followed by a surprising name. The valid forms are checked by
 * `NUMBER_SYNTAX` in the lexer.
 */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?\d(?:[eE][+-]|[\w.])*/,
  categories: [Stray],
});

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [EntryKey],
});

/**
 * A name with dashes, such as `min-count`. It counts as an identifier for
 * the parser and is reported by the lexer, which suggests `min_count`.
 */
export const DashedName = createToken({
  name: "DashedName",
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)+/,
  categories: [Identifier],
});

export const LCurly = createToken({
  name: "LCurly",
  pattern: "{",
  label: "`{`",
});
export const RCurly = createToken({
  name: "RCurly",
  pattern: "}",
  label: "`}`",
});
export const LBracket = createToken({
  name: "LBracket",
  pattern: "[",
  label: "`[`",
  categories: [Stray],
});
export const RBracket = createToken({
  name: "RBracket",
  pattern: "]",
  label: "`]`",
  categories: [Stray],
});
export const LParen = createToken({
  name: "LParen",
  pattern: "(",
  label: "`(`",
  categories: [Stray],
});
export const RParen = createToken({
  name: "RParen",
  pattern: ")",
  label: "`)`",
  categories: [Stray],
});
export const Comma = createToken({
  name: "Comma",
  pattern: ",",
  label: "`,`",
  categories: [Stray],
});
export const Colon = createToken({
  name: "Colon",
  pattern: ":",
  label: "`:`",
  categories: [Stray],
});
export const Dot = createToken({
  name: "Dot",
  pattern: ".",
  label: "`.`",
  categories: [Stray],
});

function keyword(word: string, categories: TokenType[] = []): TokenType {
  const name = word[0].toUpperCase() + word.slice(1);
  return createToken({
    name,
    pattern: word,
    label: `\`${word}\``,
    longer_alt: Identifier,
    categories,
  });
}

export const Import = keyword("import", [Stray]);
export const Extends = keyword("extends", [Stray]);
export const Vary = keyword("vary");
export const In = keyword("in", [Stray]);
export const True = keyword("true", [Stray]);
export const False = keyword("false", [Stray]);
export const Dataset = keyword("dataset", [KeyKeyword]);
export const Features = keyword("features", [KeyKeyword]);
export const Model = keyword("model", [KeyKeyword]);
export const Experiment = keyword("experiment", [KeyKeyword]);
export const Group = keyword("group", [KeyKeyword]);
export const Hierarchy = keyword("hierarchy", [KeyKeyword]);
export const Backbone = keyword("backbone", [KeyKeyword]);
export const Task = keyword("task", [KeyKeyword]);
export const Train = keyword("train", [KeyKeyword]);
export const Evaluate = keyword("evaluate", [KeyKeyword]);
export const Variant = keyword("variant", [KeyKeyword]);
export const Categorical = keyword("categorical", [KeyKeyword]);
export const Numeric = keyword("numeric", [KeyKeyword]);
export const Multi = keyword("multi", [KeyKeyword]);

/** The keyword token types, in declaration order. */
export const keywordTokens: readonly TokenType[] = [
  Import,
  Dataset,
  Features,
  Model,
  Experiment,
  Extends,
  Group,
  Hierarchy,
  Backbone,
  Task,
  Train,
  Evaluate,
  Vary,
  In,
  Variant,
  Categorical,
  Numeric,
  Multi,
  True,
  False,
];

/** The reserved words of the language; none of them can be used as a name. */
export const KEYWORDS: readonly string[] = keywordTokens.map(
  (token) => token.PATTERN as string,
);

/** The keywords that open a top-level declaration. */
export const DECLARATION_KEYWORDS: readonly string[] = [
  "dataset",
  "features",
  "model",
  "experiment",
];

/** Every token type the lexer produces, in matching order. */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  UnterminatedString,
  SingleQuotedString,
  NumberLiteral,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Colon,
  Dot,
  DashedName,
  ...keywordTokens,
  Identifier,
  EntryKey,
  KeyKeyword,
  Stray,
];

/** The highlighting class an editor grammar gives a token. */
export type EditorTokenKind =
  | "keyword"
  | "constant"
  | "identifier"
  | "number"
  | "string"
  | "comment"
  | "punctuation";

/** One token as an editor grammar needs it. */
export interface EditorToken {
  readonly name: string;
  readonly kind: EditorTokenKind;
  /**
   * The token's pattern as a regular expression source that both JavaScript
   * and Oniguruma accept; keywords are plain words to match with `\b`.
   */
  readonly pattern: string;
}

/**
 * The tokens an editor grammar (TextMate, LSP semantic tokens) must
 * recognize, derived from the definitions above so the two cannot drift.
 * The diagnostic-only tokens (unterminated strings and comments) are left
 * out because an editor shows them through diagnostics.
 */
export const EDITOR_TOKENS: readonly EditorToken[] = [
  { name: LineComment.name, kind: "comment", pattern: LineComment.PATTERN },
  { name: BlockComment.name, kind: "comment", pattern: BlockComment.PATTERN },
  { name: StringLiteral.name, kind: "string", pattern: StringLiteral.PATTERN },
  {
    name: NumberLiteral.name,
    kind: "number",
    pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[kM]?/,
  },
  ...keywordTokens.map((token) => ({
    name: token.name,
    kind: token === True || token === False ? "constant" : "keyword",
    pattern: token.PATTERN,
  })),
  { name: Identifier.name, kind: "identifier", pattern: Identifier.PATTERN },
  ...[
    LCurly,
    RCurly,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Colon,
    Dot,
  ].map((token) => ({
    name: token.name,
    kind: "punctuation",
    pattern: token.PATTERN,
  })),
].map((entry) => ({
  name: entry.name,
  kind: entry.kind as EditorTokenKind,
  pattern: patternSource(entry.pattern),
}));

function patternSource(pattern: TokenType["PATTERN"]): string {
  if (pattern instanceof RegExp) return pattern.source;
  if (typeof pattern === "string") {
    return pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  throw new Error(`token pattern ${String(pattern)} has no source form`);
}
