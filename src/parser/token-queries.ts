/**
 * Questions about the token stream that syntax messages ask: where a
 * construct was opened, which entry a value belongs to, what a token can
 * start. Each takes the token list the parser read.
 */

import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Span } from "../diagnostics/span.js";
import { chevrotain } from "./chevrotain.js";
import {
  Comma,
  DECLARATION_KEYWORDS,
  Dot,
  Extends,
  False,
  Identifier,
  In,
  Import,
  KeyKeyword,
  LBracket,
  LCurly,
  LParen,
  NumberLiteral,
  RBracket,
  RCurly,
  RParen,
  StringLiteral,
  True,
  Vary,
} from "./tokens.js";

const { EOF, tokenMatcher } = chevrotain;

/** Returns the span of a token's text. */
export function tokenSpan(token: IToken): Span {
  return {
    start: token.startOffset,
    end: token.startOffset + token.image.length,
  };
}

/**
 * Returns the span to report for an error token. Tokens without a position (the end
 * of the file, tokens inserted by recovery) are anchored just after the
 * previous real token, so a message never points at offset NaN.
 */
export function anchor(
  error: IRecognitionException,
  tokens: readonly IToken[],
): Span {
  if (hasPosition(error.token)) return tokenSpan(error.token);
  const previous = (error as { previousToken?: IToken }).previousToken;
  const before =
    previous !== undefined && hasPosition(previous) ? previous : tokens.at(-1);
  const end =
    before === undefined ? 0 : before.startOffset + before.image.length;
  return { start: end, end };
}

/** Tells whether a token came from the text, unlike the end of file and tokens inserted by recovery. */
export function hasPosition(token: IToken): boolean {
  return (
    token.tokenType !== EOF &&
    token.isInsertedInRecovery !== true &&
    Number.isFinite(token.startOffset) &&
    token.startOffset >= 0
  );
}

/** Returns the index of `token` in `tokens`, or `tokens.length` for a token without a position. */
export function tokenIndex(token: IToken, tokens: readonly IToken[]): number {
  if (!hasPosition(token)) return tokens.length;
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (tokens[middle].startOffset < token.startOffset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Finds the innermost opener of `closer`'s kind still open before `tokens[index]`. */
export function findOpener(
  tokens: readonly IToken[],
  index: number,
  closer: Closer,
): IToken | undefined {
  const { openerType, closerType } = DELIMITERS[closer];
  const stack: IToken[] = [];
  for (let i = 0; i < index && i < tokens.length; i++) {
    const token = tokens[i];
    if (tokenMatcher(token, openerType)) stack.push(token);
    else if (tokenMatcher(token, closerType)) stack.pop();
  }
  return stack.at(-1);
}

/** Returns the index of the last declaration keyword outside any block before `index`. */
export function lastTopLevelDeclaration(
  tokens: readonly IToken[],
  index: number,
): number | undefined {
  let depth = 0;
  let found: number | undefined;
  for (let i = 0; i < index && i < tokens.length; i++) {
    const token = tokens[i];
    if (tokenMatcher(token, LCurly)) depth++;
    else if (tokenMatcher(token, RCurly)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && DECLARATION_KEYWORDS.includes(token.image))
      found = i;
  }
  return found;
}

/** Finds the key of the entry a value belongs to: the token before its first value. */
export function entryKeyBefore(
  tokens: readonly IToken[],
  comma: IToken,
): string | undefined {
  let depth = 0;
  for (let i = tokenIndex(comma, tokens) - 1; i > 0; i--) {
    const token = tokens[i];
    if (isCloser(token)) depth++;
    else if (isOpener(token)) {
      if (depth === 0) return undefined;
      depth--;
    } else if (
      depth === 0 &&
      !tokenMatcher(token, Comma) &&
      !tokenMatcher(token, Dot)
    ) {
      const before = tokens[i - 1];
      if (
        before !== undefined &&
        !tokenMatcher(before, Comma) &&
        !tokenMatcher(before, Dot)
      ) {
        return before.image;
      }
    }
  }
  return undefined;
}

const VALUE_STARTS: readonly TokenType[] = [
  NumberLiteral,
  StringLiteral,
  True,
  False,
  Identifier,
  LBracket,
];

/** Names a token for a message: "`model`", "number `42`", "string `\"x\"`". */
export function describeTokenText(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  if (tokenMatcher(token, NumberLiteral)) return `number \`${token.image}\``;
  if (tokenMatcher(token, StringLiteral)) {
    const text =
      token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
    return `string \`${text}\``;
  }
  return `\`${token.image}\``;
}

/** Tells whether a token can start a value. */
export function startsValue(token: IToken): boolean {
  return VALUE_STARTS.some((type) => tokenMatcher(token, type));
}

/** Tells whether a token can end a value. */
export function endsValue(token: IToken | undefined): boolean {
  if (token === undefined) return false;
  return [
    NumberLiteral,
    StringLiteral,
    True,
    False,
    Identifier,
    RBracket,
    RParen,
  ].some((type) => tokenMatcher(token, type));
}

export function isCloser(token: IToken): boolean {
  return [RCurly, RBracket, RParen].some((type) => tokenMatcher(token, type));
}

export function isOpener(token: IToken): boolean {
  return [LCurly, LBracket, LParen].some((type) => tokenMatcher(token, type));
}

export function isBoolean(token: IToken): boolean {
  return tokenMatcher(token, True) || tokenMatcher(token, False);
}

export function isReservedWord(token: IToken): boolean {
  return [Import, Extends, Vary, In, True, False, KeyKeyword].some((type) =>
    tokenMatcher(token, type),
  );
}

/** A closing delimiter. */
export type Closer = "}" | "]" | ")";

const DELIMITERS = {
  "}": { openerType: LCurly, closerType: RCurly },
  "]": { openerType: LBracket, closerType: RBracket },
  ")": { openerType: LParen, closerType: RParen },
} as const;

/** The opening delimiter of each closing one. */
export const OPENER_OF: Readonly<Record<string, string>> = {
  "}": "{",
  "]": "[",
  ")": "(",
};
