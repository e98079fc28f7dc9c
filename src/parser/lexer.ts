/**
 * Turns a `Source` into tokens, comments and HMD10xx diagnostics. Chevrotain
 * does the matching; this module replaces its error texts with positioned
 * diagnostics and checks the literals that the token patterns accept
 * loosely (escapes, number forms).
 */

import type { IToken, Lexer as LexerInstance } from "chevrotain";
import { chevrotain } from "./chevrotain.js";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../diagnostics/span.js";
import {
  DashedName,
  LBracket,
  LCurly,
  LParen,
  RBracket,
  RCurly,
  RParen,
  NumberLiteral,
  SingleQuotedString,
  StringLiteral,
  UnterminatedBlockComment,
  UnterminatedString,
  allTokens,
} from "./tokens.js";

const { Lexer } = chevrotain;

/** The result of lexing one file. */
export interface LexResult {
  /** The tokens the parser reads, without comments. */
  readonly tokens: IToken[];
  /** Every comment in source order, unterminated ones included. */
  readonly comments: IToken[];
  readonly diagnostics: Diagnostic[];
}

/** The valid number forms: `42`, `-0.5`, `1e-3`, `2.5e+4`, `100k`, `2M`. */
const NUMBER_SYNTAX = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([kM]?)$/;

/** A number followed by letters that are not a known suffix. */
const NUMBER_WITH_SUFFIX = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?([A-Za-z_]\w*)$/;

const SUFFIX_MULTIPLIERS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
};

let lexer: LexerInstance | undefined;

function getLexer(): LexerInstance {
  // Built on first use so that importing the parser costs nothing.
  lexer ??= new Lexer(allTokens as never[], {
    positionTracking: "onlyOffset",
    ensureOptimizations: true,
    // The token definitions are fixed and covered by tests, so the
    // definition checks would only slow down every start of the CLI.
    skipValidations: true,
  });
  return lexer;
}

/** Lexes the text of `source`; never throws. */
export function lex(source: Source): LexResult {
  const result = getLexer().tokenize(source.text);
  const diagnostics: Diagnostic[] = [];

  for (const error of result.errors) {
    diagnostics.push(
      unexpectedCharacters(source, error.offset, error.length, result.tokens),
    );
  }
  for (const token of result.tokens) {
    if (token.tokenType === UnterminatedString) {
      diagnostics.push(unterminatedString(source, token));
    }
    if (token.tokenType === DashedName) {
      diagnostics.push(dashedName(source, token));
    }
    if (token.tokenType === SingleQuotedString) {
      diagnostics.push(singleQuoted(source, token));
    }
    if (
      token.tokenType === UnterminatedString ||
      token.tokenType === StringLiteral
    ) {
      diagnostics.push(
        ...decodeString(token.image, token.startOffset, source.path).problems,
      );
    } else if (token.tokenType === NumberLiteral) {
      const problem = checkNumber(token, source.path);
      if (problem !== undefined) diagnostics.push(problem);
    }
  }
  const comments = result.groups["comments"] ?? [];
  for (const comment of comments) {
    if (comment.tokenType === UnterminatedBlockComment) {
      diagnostics.push(
        diagnostic("HMD1004", {
          file: source.path,
          span: { start: comment.startOffset, end: comment.startOffset + 2 },
          message: "unterminated block comment",
          label: "the comment starts here and is never closed",
          help: "close the comment with `*/`; block comments do not nest",
        }),
      );
    }
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  return { tokens: result.tokens, comments, diagnostics };
}

const CHARACTER_HELP: Readonly<Record<string, string>> = {
  "'": 'strings are written with double quotes: `"text"`',
  "#": "comments start with `//`",
  "=": "an entry is written `key value`, without `=`",
  ";": "entries need no separator; put them on separate lines",
  "-": "a minus sign must be followed directly by a digit, as in `-0.5`",
};

function unexpectedCharacters(
  source: Source,
  offset: number,
  length: number,
  tokens: readonly IToken[],
): Diagnostic {
  const text = source.text.slice(offset, offset + Math.max(1, length));
  const shown = [...text].map(showCharacter).join("");
  const plural = [...text].length > 1;
  return diagnostic("HMD1001", {
    file: source.path,
    span: { start: offset, end: offset + Math.max(1, text.length) },
    message: `unexpected character${plural ? "s" : ""} \`${shown}\``,
    help:
      (text === "=" ? argumentHelp(tokens, offset) : undefined) ??
      CHARACTER_HELP[text[0]] ??
      "names use ASCII letters, digits and `_`; other text belongs in a string",
  });
}

/**
 * Inside parentheses, `name = value` is a misspelt named argument, so the
 * help shows the argument rewritten with `:`.
 */
function argumentHelp(
  tokens: readonly IToken[],
  offset: number,
): string | undefined {
  let depth = 0;
  let index = 0;
  for (; index < tokens.length && tokens[index].startOffset < offset; index++) {
    if (tokens[index].image === "(") depth++;
    if (tokens[index].image === ")") depth = Math.max(0, depth - 1);
  }
  const name = tokens[index - 1];
  const value = tokens[index];
  if (depth === 0 || name === undefined || !/^\w+$/.test(name.image)) {
    return undefined;
  }
  const example =
    value === undefined || value.image === ")" || value.image === ","
      ? `${name.image}: ..`
      : `${name.image}: ${value.image}`;
  return `a named argument is written \`name: value\`, as in \`${example}\``;
}

function showCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || code === 0x60) {
    return `\\u{${code.toString(16)}}`;
  }
  return character;
}

function unterminatedString(source: Source, token: IToken): Diagnostic {
  return diagnostic("HMD1002", {
    file: source.path,
    span: { start: token.startOffset, end: token.startOffset + 1 },
    message: "unterminated string",
    label: 'this string has no closing `"` on its line',
    help: 'close the string with `"`; a string cannot span lines, write `\\n` for a line break',
  });
}

function dashedName(source: Source, token: IToken): Diagnostic {
  const dash = token.startOffset + token.image.indexOf("-");
  const fixed = token.image.replaceAll("-", "_");
  return diagnostic("HMD1001", {
    file: source.path,
    span: { start: dash, end: dash + 1 },
    message: `unexpected character \`-\` in the name \`${token.image}\``,
    help: `names use \`_\` between words: write \`${fixed}\``,
    fix: {
      span: {
        start: token.startOffset,
        end: token.startOffset + token.image.length,
      },
      replacement: fixed,
    },
  });
}

function singleQuoted(source: Source, token: IToken): Diagnostic {
  const body = token.image.slice(1, -1).replace(/["\\]/g, "\\$&");
  const span = {
    start: token.startOffset,
    end: token.startOffset + token.image.length,
  };
  return diagnostic("HMD1006", {
    file: source.path,
    span,
    message: `string \`${token.image}\` in single quotes`,
    help: `strings are written with double quotes: \`"${body}"\``,
    fix: { span, replacement: `"${body}"` },
  });
}

/**
 * The deepest nesting of `{`, `[` and `(` a file may use. Real specs nest
 * about four levels. The limit keeps the recursive parser and every tree
 * walk after it far from the call stack limit: Chevrotain overflowed the
 * default Node.js stack at about 1000 levels of closed lists and at 200
 * levels of unclosed ones, whose recovery also takes quadratic time.
 */
export const MAX_NESTING = 64;

/**
 * Cuts the token stream before the first opener that nests deeper than
 * `MAX_NESTING`, and reports it as HMD1108. The parser then reports the
 * cut-off constructs as unclosed.
 */
export function limitNesting(
  tokens: IToken[],
  source: Source,
): { tokens: IToken[]; diagnostic?: Diagnostic } {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i].tokenType;
    if (type === LCurly || type === LBracket || type === LParen) depth++;
    else if (type === RCurly || type === RBracket || type === RParen) {
      depth = Math.max(0, depth - 1);
    }
    if (depth <= MAX_NESTING) continue;
    const token = tokens[i];
    return {
      tokens: tokens.slice(0, i),
      diagnostic: diagnostic("HMD1108", {
        file: source.path,
        span: { start: token.startOffset, end: token.startOffset + 1 },
        message: `\`${token.image}\` nests deeper than ${MAX_NESTING} levels`,
        label: "the parser stops here",
        help: "flatten the nesting; no spec needs this many levels of blocks, lists and calls",
      }),
    };
  }
  return { tokens };
}

/** A decoded string literal and the problems found in its escapes. */
export interface DecodedString {
  readonly value: string;
  readonly problems: Diagnostic[];
}

/**
 * Decodes the escapes of a string token (`raw` includes the quotes, the
 * closing one may be missing). Bad escapes are kept as written in `value`
 * and reported as HMD1003 at their offset (`start` is the token's offset).
 */
export function decodeString(
  raw: string,
  start: number,
  file: string,
): DecodedString {
  const problems: Diagnostic[] = [];
  const bodyEnd = isClosedAfterEscapes(raw) ? raw.length - 1 : raw.length;
  let value = "";
  let i = 1;
  while (i < bodyEnd) {
    const char = raw[i];
    if (char !== "\\") {
      value += char;
      i++;
      continue;
    }
    const next = raw[i + 1];
    const simple = next === undefined ? undefined : SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      value += simple;
      i += 2;
      continue;
    }
    if (next === "u") {
      const hex = raw.slice(i + 2, i + 6);
      if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const digits = /^[0-9A-Fa-f]*/.exec(hex)?.[0] ?? "";
      const length = Math.min(2 + digits.length, bodyEnd - i);
      problems.push(badEscape(raw.slice(i, i + length), start + i, file, true));
      value += raw.slice(i, i + length);
      i += length;
      continue;
    }
    const length = i + 1 < bodyEnd ? 2 : 1;
    problems.push(badEscape(raw.slice(i, i + length), start + i, file, false));
    value += raw.slice(i, i + length);
    i += length;
  }
  return { value, problems };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  n: "\n",
  t: "\t",
};

/**
 * Tells whether the final `"` of `raw` closes the string, which holds when
 * it is preceded by an even number of backslashes.
 */
function isClosedAfterEscapes(raw: string): boolean {
  if (raw.length < 2 || !raw.endsWith('"')) return false;
  let backslashes = 0;
  for (let i = raw.length - 2; i > 0 && raw[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0;
}

function badEscape(
  text: string,
  offset: number,
  file: string,
  unicode: boolean,
): Diagnostic {
  return diagnostic("HMD1003", {
    file,
    span: { start: offset, end: offset + Math.max(1, text.length) },
    message: unicode
      ? `invalid escape sequence \`${text}\`: \`\\u\` needs four hexadecimal digits`
      : `invalid escape sequence \`${text}\` in a string`,
    help: 'the escapes are `\\"`, `\\\\`, `\\n`, `\\t` and `\\uXXXX`; write `\\\\` for a backslash',
  });
}

/**
 * Returns the value of a number token: the literal times its suffix (`k` is
 * 1e3, `M` is 1e6). There is no `G` suffix, because billions never occur in
 * these specs and `1e9` is as short. An invalid literal has the value NaN.
 */
export function numberValue(image: string): number {
  const match = NUMBER_SYNTAX.exec(image);
  if (match === null) return Number.NaN;
  return Number(match[1]) * SUFFIX_MULTIPLIERS[match[2]];
}

function checkNumber(token: IToken, file: string): Diagnostic | undefined {
  const image = token.image;
  const span = {
    start: token.startOffset,
    end: token.startOffset + image.length,
  };
  if (NUMBER_SYNTAX.test(image)) {
    if (Number.isFinite(numberValue(image))) return undefined;
    return diagnostic("HMD1005", {
      file,
      span,
      message: `number \`${image}\` is too large`,
      help: "numbers must be finite 64-bit floating point values, at most about `1.8e308`",
    });
  }
  const suffix = NUMBER_WITH_SUFFIX.exec(image)?.[1];
  if (suffix !== undefined) {
    const caseHint =
      suffix === "m" || suffix === "K" ? "; suffixes are case-sensitive" : "";
    return diagnostic("HMD1005", {
      file,
      span,
      message: `invalid number \`${image}\`: unknown suffix \`${suffix}\``,
      help: `the suffixes are \`k\` (thousand) and \`M\` (million)${caseHint}; write other magnitudes with an exponent, as in \`2e9\``,
    });
  }
  return diagnostic("HMD1005", {
    file,
    span,
    message: `invalid number \`${image}\``,
    help: "numbers are written like `42`, `-0.5`, `1e-3`, `2.5e+4`, `100k` or `2M`",
  });
}
