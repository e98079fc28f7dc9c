/**
 * Syntax error messages. Chevrotain's own texts (`Expecting ... but found`)
 * never reach users: `errorMessageProvider` records what Chevrotain knows as
 * a small JSON payload, and `describeParseErrors` combines it with the rule
 * stack and the tokens around the error into a positioned diagnostic that
 * names the construct being parsed.
 */

import type {
  IParserErrorMessageProvider,
  IRecognitionException,
  IToken,
  TokenType,
} from "chevrotain";
import { chevrotain } from "./chevrotain.js";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Source, Span } from "../diagnostics/span.js";
import {
  Colon,
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

/** The details of one syntax error, as the error message provider records them. */
interface ErrorPayload {
  readonly kind: "mismatch" | "noViableAlt" | "earlyExit" | "redundant";
  readonly rule: string;
  /** The expected token type, for `mismatch`. */
  readonly expected?: string;
}

function payload(value: ErrorPayload): string {
  return JSON.stringify(value);
}

/** Records Chevrotain's error details for `describeParseErrors`. */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    payload({ kind: "mismatch", rule: ruleName, expected: expected.name }),
  buildNotAllInputParsedMessage: ({ ruleName }) =>
    payload({ kind: "redundant", rule: ruleName }),
  buildNoViableAltMessage: ({ ruleName }) =>
    payload({ kind: "noViableAlt", rule: ruleName }),
  buildEarlyExitMessage: ({ ruleName }) =>
    payload({ kind: "earlyExit", rule: ruleName }),
};

/** The thing a reserved word would have named, by the key or keyword before it. */
export const NAMED_THING: Readonly<Record<string, string>> = {
  dataset: "a dataset",
  features: "a feature set",
  model: "a model",
  experiment: "an experiment",
  categorical: "a feature",
  numeric: "a feature",
  multi: "a feature",
  group: "a feature group",
  task: "a task",
  variant: "a variant",
  backbone: "a backbone",
};

const VARY_HELP = "write `vary path.to.key in [value, value]`";

/**
 * Errors this many tokens after a reported one, on its line, are not
 * reported. Limitation: a second real mistake that close to the first is
 * only reported once the first is fixed.
 */
const CASCADE_TOKENS = 3;

/** The file context a message is worded from, including block owners from the AST builder. */
export interface ParseContext {
  readonly source: Source;
  readonly tokens: readonly IToken[];
  /** The owner of each block, e.g. "model `mmoe`", keyed by the offset of its `{`. */
  readonly blockOwners: ReadonlyMap<number, string>;
}

/** Converts Chevrotain's recognition errors into HMD11xx diagnostics. */
export function describeParseErrors(
  errors: readonly IRecognitionException[],
  context: ParseContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<number>();
  let lastIndex = Number.NEGATIVE_INFINITY;
  let lastLine = 0;
  for (const error of errors) {
    const index = tokenIndex(error.token, context.tokens);
    const described = describeParseError(error, context);
    const line = context.source.lineColumn(described.span.start).line;
    // Recovery can report one spot twice (once per enclosing rule), and a
    // repair often makes the next few tokens fail too. The first report is
    // the one that names the mistake, so later ones close by are dropped.
    const cascade = index - lastIndex <= CASCADE_TOKENS && line === lastLine;
    if (seen.has(described.span.start) || cascade) continue;
    seen.add(described.span.start);
    lastIndex = index;
    lastLine = line;
    diagnostics.push(described);
  }
  return diagnostics;
}

/** Returns the offset where a syntax error is reported. */
export function errorOffset(
  error: IRecognitionException,
  context: Pick<ParseContext, "source" | "tokens">,
): number {
  return anchor(error, context).start;
}

function readPayload(error: IRecognitionException): ErrorPayload {
  try {
    return JSON.parse(error.message) as ErrorPayload;
  } catch {
    return { kind: "mismatch", rule: error.context.ruleStack.at(-1) ?? "file" };
  }
}

/** Everything one message builder needs about an error. */
interface ErrorSite {
  readonly payload: ErrorPayload;
  readonly ruleStack: readonly string[];
  readonly actual: IToken;
  readonly atEnd: boolean;
  readonly index: number;
  readonly previous: IToken | undefined;
  readonly span: Span;
  readonly context: ParseContext;
}

function describeParseError(
  error: IRecognitionException,
  context: ParseContext,
): Diagnostic {
  const index = tokenIndex(error.token, context.tokens);
  const atEnd = index >= context.tokens.length;
  const site: ErrorSite = {
    payload: readPayload(error),
    ruleStack: error.context.ruleStack,
    actual: error.token,
    atEnd,
    index,
    previous: context.tokens[index - 1],
    span: anchor(error, context),
    context,
  };
  return (
    describeReservedWord(site) ??
    describeByRule(site) ??
    unexpected(site, `unexpected ${describeToken(site)}`)
  );
}

function describeByRule(site: ErrorSite): Diagnostic | undefined {
  const { kind, rule, expected } = site.payload;
  if (kind === "mismatch" && expected === RCurly.name)
    return missingCloser(site, "}");
  if (kind === "mismatch" && expected === RBracket.name)
    return missingCloser(site, "]");
  if (kind === "mismatch" && expected === RParen.name)
    return missingCloser(site, ")");
  if (kind === "mismatch" && expected === LCurly.name) {
    return unexpected(
      site,
      `expected \`{\` to open the body of ${declarationBefore(site)}`,
    );
  }
  if (kind === "mismatch" && expected === In.name) {
    return unexpected(
      site,
      "expected `in` after the path of `vary`",
      VARY_HELP,
    );
  }
  if (kind === "mismatch" && expected === LBracket.name) {
    return unexpected(site, "expected a list of values after `in`", VARY_HELP);
  }
  if (kind === "mismatch" && expected === StringLiteral.name) {
    return unexpected(
      site,
      "expected a file path string after `import`",
      'write `import "other.hmdn"`',
    );
  }
  if (rule === "name") return describeMissingName(site);
  if (rule === "value") return describeMissingValue(site);
  if (rule === "file" || kind === "redundant") return describeTopLevel(site);
  return undefined;
}

/** Describes an error where a closing delimiter was expected but the file ended or another token came. */
function missingCloser(site: ErrorSite, closer: "}" | "]" | ")"): Diagnostic {
  const opener = findOpener(site, closer);
  const what = openerDescription(site, closer, opener);
  const next = site.context.tokens[site.index + 1];
  if (
    closer === ")" &&
    tokenMatcher(site.actual, Comma) &&
    next !== undefined &&
    tokenMatcher(next, RParen)
  ) {
    return trailingComma(
      site,
      site.actual,
      `the last argument of ${what.replace("the arguments of ", "")}`,
    );
  }
  if (
    site.previous !== undefined &&
    tokenMatcher(site.previous, Comma) &&
    tokenMatcher(site.actual, Comma)
  ) {
    return unexpected(site, "expected a value after `,`");
  }
  const declaration =
    closer === "}" && opener !== undefined
      ? declarationInside(site, opener)
      : undefined;
  if (declaration !== undefined && opener !== undefined) {
    return declarationInsideBlock(site, opener, declaration, what);
  }
  if (
    isCloser(site.actual) &&
    findOpener(site, site.actual.image as "}" | "]" | ")") === undefined
  ) {
    return diagnostic("HMD1107", {
      file: site.context.source.path,
      span: site.span,
      message: `unmatched \`${site.actual.image}\` in ${what}`,
      label: `nothing was opened with \`${OPENER_OF[site.actual.image]}\``,
      help: `remove it, or close ${what} with \`${closer}\``,
    });
  }
  if ((site.atEnd || isCloser(site.actual)) && opener !== undefined) {
    const { line, column } = site.context.source.lineColumn(opener.startOffset);
    return diagnostic("HMD1102", {
      file: site.context.source.path,
      span: site.span,
      message: `expected \`${closer}\` to close ${what} opened at ${line}:${column}`,
      label: site.atEnd ? "the file ends here" : `found ${describeToken(site)}`,
      labels: [
        {
          file: site.context.source.path,
          span: tokenSpan(opener),
          text: `\`${opener.image}\` opened here`,
        },
      ],
      help: `add \`${closer}\` at the end of ${what}`,
    });
  }
  return unexpected(
    site,
    `unexpected ${describeToken(site)} in ${what}`,
    closer === "}" ? blockHelp(site) : listHelp(site, closer),
    `expected ${closerAlternative(closer)} or \`${closer}\``,
  );
}

/**
 * Finds a declaration keyword at the start of a line inside the block that
 * `opener` starts, which usually means the block's `}` is missing above it.
 */
function declarationInside(
  site: ErrorSite,
  opener: IToken,
): IToken | undefined {
  const tokens = site.context.tokens;
  const start = tokenIndex(opener, tokens) + 1;
  for (let i = start; i < site.index && i < tokens.length - 1; i++) {
    const token = tokens[i];
    if (!DECLARATION_KEYWORDS.includes(token.image)) continue;
    if (site.context.source.lineColumn(token.startOffset).column !== 1)
      continue;
    const following = tokens[i + 2];
    const looksDeclared =
      tokenMatcher(tokens[i + 1], Identifier) &&
      following !== undefined &&
      (tokenMatcher(following, Extends) || tokenMatcher(following, LCurly));
    if (looksDeclared) return token;
  }
  return undefined;
}

function declarationInsideBlock(
  site: ErrorSite,
  opener: IToken,
  declaration: IToken,
  what: string,
): Diagnostic {
  const { line, column } = site.context.source.lineColumn(opener.startOffset);
  const file = site.context.source.path;
  return diagnostic("HMD1102", {
    file,
    span: tokenSpan(declaration),
    message: `expected \`}\` to close ${what} opened at ${line}:${column} before this declaration`,
    label: "this declaration starts inside the block",
    labels: [{ file, span: tokenSpan(opener), text: "`{` opened here" }],
    help: `add \`}\` at the end of ${what}, before \`${declaration.image}\``,
  });
}

function listHelp(site: ErrorSite, closer: "]" | ")"): string | undefined {
  if (!startsValue(site.actual) || !endsValue(site.previous)) return undefined;
  return closer === "]"
    ? "separate list items with commas, as in `[256, 128]`"
    : "separate arguments with commas, as in `adam(lr: 1e-3, beta1: 0.9)`";
}

function blockHelp(site: ErrorSite): string | undefined {
  if (startsValue(site.actual) && endsValue(site.previous)) {
    return "values after the first one are separated by commas, as in `metrics auc, logloss`";
  }
  if (tokenMatcher(site.actual, Colon)) {
    return "an entry is written `key value`, without `:`";
  }
  if (tokenMatcher(site.actual, Import)) {
    return "imports go at the top of the file, before the first declaration";
  }
  return undefined;
}

function closerAlternative(closer: "}" | "]" | ")"): string {
  return closer === "}" ? "an entry" : "`,`";
}

const DELIMITERS = {
  "}": { openerType: LCurly, closerType: RCurly },
  "]": { openerType: LBracket, closerType: RBracket },
  ")": { openerType: LParen, closerType: RParen },
} as const;

const OPENER_OF: Readonly<Record<string, string>> = {
  "}": "{",
  "]": "[",
  ")": "(",
};

function openerDescription(
  site: ErrorSite,
  closer: "}" | "]" | ")",
  opener: IToken | undefined,
): string {
  if (closer === "]") return "the list";
  if (closer === ")") {
    const callee = opener === undefined ? undefined : tokenBefore(site, opener);
    return callee === undefined
      ? "the arguments"
      : `the arguments of \`${callee.image}\``;
  }
  const owner =
    opener === undefined
      ? undefined
      : site.context.blockOwners.get(opener.startOffset);
  return owner === undefined ? "the block" : `the block of ${owner}`;
}

function describeMissingName(site: ErrorSite): Diagnostic {
  const parent = site.ruleStack.at(-2);
  if (
    parent === "path" &&
    site.previous !== undefined &&
    tokenMatcher(site.previous, Vary)
  ) {
    return unexpected(
      site,
      "expected the path of a setting after `vary`",
      VARY_HELP,
    );
  }
  if (parent === "path") {
    return unexpected(site, "expected a name after `.`");
  }
  if (site.previous !== undefined && tokenMatcher(site.previous, Extends)) {
    return unexpected(
      site,
      `expected the name of the base ${declarationKeyword(site)} after \`extends\``,
    );
  }
  const keyword = declarationKeyword(site);
  return unexpected(
    site,
    `expected a name for the ${keyword} after \`${keyword}\``,
    `write \`${keyword} my_${keyword} { ... }\``,
  );
}

function describeMissingValue(site: ErrorSite): Diagnostic {
  const parent = site.ruleStack.at(-2);
  const previous = site.previous;
  if (previous !== undefined && tokenMatcher(previous, Comma)) {
    if (
      parent === "entry" &&
      !startsValue(site.actual) &&
      !tokenMatcher(site.actual, Comma)
    ) {
      return trailingComma(
        site,
        previous,
        `the last value of \`${entryKeyBefore(site, previous) ?? "the entry"}\``,
      );
    }
    if (parent === "arg" && tokenMatcher(site.actual, RParen)) {
      const what = openerDescription(site, ")", findOpener(site, ")"));
      return trailingComma(
        site,
        previous,
        `the last argument of ${what.replace("the arguments of ", "")}`,
      );
    }
    return unexpected(site, `expected a value after \`,\``);
  }
  if (previous !== undefined && tokenMatcher(previous, Colon)) {
    const name = tokenBefore(site, previous);
    return unexpected(site, `expected a value after \`${name?.image ?? ""}:\``);
  }
  const after = previous === undefined ? "" : ` after \`${previous.image}\``;
  return unexpected(site, `expected a value${after}`);
}

function trailingComma(
  site: ErrorSite,
  comma: IToken,
  what: string,
): Diagnostic {
  const span = tokenSpan(comma);
  return diagnostic("HMD1105", {
    file: site.context.source.path,
    span,
    message: `unexpected \`,\` after ${what}`,
    label: "nothing follows this comma",
    help: "remove the `,`",
    fix: { span, replacement: "" },
  });
}

function describeTopLevel(site: ErrorSite): Diagnostic {
  if (isCloser(site.actual)) {
    return diagnostic("HMD1107", {
      file: site.context.source.path,
      span: site.span,
      message: `unmatched \`${site.actual.image}\``,
      label: "nothing is open here",
      help: "remove it, or look for a missing opening delimiter above",
    });
  }
  const word = tokenMatcher(site.actual, Identifier)
    ? site.actual.image
    : undefined;
  const suggestion =
    word === undefined
      ? undefined
      : didYouMean(suggestSimilar(word, [...DECLARATION_KEYWORDS, "import"]));
  return unexpected(
    site,
    `expected a declaration, found ${describeToken(site)}`,
    suggestion ??
      "a file holds imports, then declarations that start with `dataset`, `features`, `model` or `experiment`",
  );
}

/** Describes a reserved word used where a name or a value belongs. */
function describeReservedWord(site: ErrorSite): Diagnostic | undefined {
  const rule = site.payload.rule;
  if (rule !== "name" && rule !== "value") return undefined;
  if (site.atEnd || !isReservedWord(site.actual)) return undefined;
  if (rule === "value" && isBoolean(site.actual)) return undefined;
  const parent = site.ruleStack.at(-2);
  if (rule === "name" && parent === "path") return undefined;
  const word = site.actual.image;
  let role = "be a value";
  if (rule === "name" && parent === "declaration") {
    role = `name ${NAMED_THING[declarationKeyword(site)] ?? "a declaration"}`;
  } else if (
    rule === "value" &&
    parent === "entry" &&
    site.previous !== undefined
  ) {
    const key = entryKeyBefore(site, site.previous);
    const named = key === undefined ? undefined : NAMED_THING[key];
    if (named !== undefined) role = `name ${named}`;
  }
  return diagnostic("HMD1103", {
    file: site.context.source.path,
    span: site.span,
    message: `\`${word}\` is a reserved word and cannot ${role}`,
    help: `rename it, for example \`${word}_\``,
  });
}

function isBoolean(token: IToken): boolean {
  return tokenMatcher(token, True) || tokenMatcher(token, False);
}

function isReservedWord(token: IToken): boolean {
  return [Import, Extends, Vary, In, True, False, KeyKeyword].some((type) =>
    tokenMatcher(token, type),
  );
}

function unexpected(
  site: ErrorSite,
  message: string,
  help?: string,
  label?: string,
): Diagnostic {
  return diagnostic("HMD1101", {
    file: site.context.source.path,
    span: site.span,
    message,
    label:
      label ??
      (site.atEnd ? "the file ends here" : `found ${describeToken(site)}`),
    ...(help === undefined ? {} : { help }),
  });
}

/** Names a token for a message: "`model`", "number `42`", "the end of the file". */
function describeToken(site: ErrorSite): string {
  const token = site.actual;
  if (site.atEnd || token.tokenType === EOF) return "the end of the file";
  if (tokenMatcher(token, NumberLiteral)) return `number \`${token.image}\``;
  if (tokenMatcher(token, StringLiteral)) {
    const text =
      token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
    return `string \`${text}\``;
  }
  return `\`${token.image}\``;
}

function tokenSpan(token: IToken): Span {
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
function anchor(
  error: IRecognitionException,
  context: Pick<ParseContext, "source" | "tokens">,
): Span {
  if (hasPosition(error.token)) return tokenSpan(error.token);
  const previous = (error as { previousToken?: IToken }).previousToken;
  const before =
    previous !== undefined && hasPosition(previous)
      ? previous
      : context.tokens.at(-1);
  const end =
    before === undefined ? 0 : before.startOffset + before.image.length;
  return { start: end, end };
}

function hasPosition(token: IToken): boolean {
  return (
    token.tokenType !== EOF &&
    token.isInsertedInRecovery !== true &&
    Number.isFinite(token.startOffset) &&
    token.startOffset >= 0
  );
}

function tokenIndex(token: IToken, tokens: readonly IToken[]): number {
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

function tokenBefore(site: ErrorSite, token: IToken): IToken | undefined {
  const index = tokenIndex(token, site.context.tokens);
  return site.context.tokens[index - 1];
}

/** Finds the innermost opener of `closer`'s kind still open at the error. */
function findOpener(
  site: ErrorSite,
  closer: "}" | "]" | ")",
): IToken | undefined {
  const { openerType, closerType } = DELIMITERS[closer];
  const stack: IToken[] = [];
  for (let i = 0; i < site.index && i < site.context.tokens.length; i++) {
    const token = site.context.tokens[i];
    if (tokenMatcher(token, openerType)) stack.push(token);
    else if (tokenMatcher(token, closerType)) stack.pop();
  }
  return stack.at(-1);
}

/** Describes the declaration being parsed at the error, e.g. "model `mmoe`". */
function declarationBefore(site: ErrorSite): string {
  const found = lastTopLevelDeclaration(site);
  if (found === undefined) return "the declaration";
  const name = site.context.tokens[found + 1];
  const keyword = site.context.tokens[found].image;
  return name !== undefined &&
    found + 1 < site.index &&
    !tokenMatcher(name, LCurly)
    ? `${keyword} \`${name.image}\``
    : keyword;
}

function declarationKeyword(site: ErrorSite): string {
  const found = lastTopLevelDeclaration(site);
  return found === undefined ? "declaration" : site.context.tokens[found].image;
}

function lastTopLevelDeclaration(site: ErrorSite): number | undefined {
  let depth = 0;
  let found: number | undefined;
  for (let i = 0; i < site.index && i < site.context.tokens.length; i++) {
    const token = site.context.tokens[i];
    if (tokenMatcher(token, LCurly)) depth++;
    else if (tokenMatcher(token, RCurly)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && DECLARATION_KEYWORDS.includes(token.image))
      found = i;
  }
  return found;
}

/** Finds the key of the entry a value belongs to: the token before its first value. */
function entryKeyBefore(site: ErrorSite, comma: IToken): string | undefined {
  const tokens = site.context.tokens;
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

function startsValue(token: IToken): boolean {
  return VALUE_STARTS.some((type) => tokenMatcher(token, type));
}

function endsValue(token: IToken | undefined): boolean {
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

function isCloser(token: IToken): boolean {
  return [RCurly, RBracket, RParen].some((type) => tokenMatcher(token, type));
}

function isOpener(token: IToken): boolean {
  return [LCurly, LBracket, LParen].some((type) => tokenMatcher(token, type));
}
