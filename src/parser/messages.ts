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
} from "chevrotain";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Source } from "../diagnostics/span.js";
import { chevrotain } from "./chevrotain.js";
import { missingCloser, openerDescription } from "./delimiter-messages.js";
import {
  describeToken,
  tokenBefore,
  trailingComma,
  unexpected,
  type ErrorPayload,
  type ErrorSite,
  type ParseContext,
} from "./error-site.js";
import {
  anchor,
  entryKeyBefore,
  findOpener,
  isBoolean,
  isCloser,
  isReservedWord,
  lastTopLevelDeclaration,
  startsValue,
  tokenIndex,
  type Closer,
} from "./token-queries.js";
import {
  Colon,
  Comma,
  DECLARATION_KEYWORDS,
  Extends,
  Identifier,
  In,
  LBracket,
  LCurly,
  RBracket,
  RCurly,
  RParen,
  StringLiteral,
  Vary,
} from "./tokens.js";

const { tokenMatcher } = chevrotain;

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

/** Converts Chevrotain's recognition errors into HMD11xx diagnostics. */
export function describeParseErrors(
  errors: readonly IRecognitionException[],
  context: ParseContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const error of errors) {
    if (diagnostics.length > 0 && isRecoveryEcho(error, context)) continue;
    const described = describeParseError(error, context);
    // Recovery can report one spot twice, once per enclosing rule; the
    // first report is the most specific one.
    if (seen.has(described.span.start)) continue;
    seen.add(described.span.start);
    diagnostics.push(described);
  }
  return diagnostics;
}

/**
 * True for a closer expected at the end of a file whose brackets all
 * match: recovery from an earlier error, not a mistake of its own
 * (`model a extends b extends c { }` leaves the parser inside a block it
 * never entered).
 */
function isRecoveryEcho(
  error: IRecognitionException,
  context: ParseContext,
): boolean {
  if (tokenIndex(error.token, context.tokens) < context.tokens.length) {
    return false;
  }
  const closers: readonly Closer[] = ["}", "]", ")"];
  return closers.every(
    (closer) =>
      findOpener(context.tokens, context.tokens.length, closer) === undefined,
  );
}

/**
 * Drops the syntax diagnostics that follow another within
 * `CASCADE_TOKENS` tokens on the same line. Recovery from one mistake
 * often makes the next few tokens fail too (a `)` left over from a broken
 * call, a value after a missing key), and the first report is the one that
 * names the mistake. `diagnostics` must be sorted by offset.
 */
export function dropCascades(
  diagnostics: readonly Diagnostic[],
  source: Source,
  tokens: readonly IToken[],
): Diagnostic[] {
  const kept: Diagnostic[] = [];
  let lastIndex = Number.NEGATIVE_INFINITY;
  let lastLine = 0;
  for (const item of diagnostics) {
    const index = tokenIndexAt(tokens, item.span.start);
    const line = source.lineColumn(item.span.start).line;
    const cascade = index - lastIndex <= CASCADE_TOKENS && line === lastLine;
    // A dropped report extends the chain, so a run of consequences on one
    // line is dropped as a whole.
    lastIndex = index;
    lastLine = line;
    if (!cascade) kept.push(item);
  }
  return kept;
}

function tokenIndexAt(tokens: readonly IToken[], offset: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (tokens[middle].startOffset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Returns the offset where a syntax error is reported. */
export function errorOffset(
  error: IRecognitionException,
  context: Pick<ParseContext, "source" | "tokens">,
): number {
  return anchor(error, context.tokens).start;
}

function readPayload(error: IRecognitionException): ErrorPayload {
  try {
    return JSON.parse(error.message) as ErrorPayload;
  } catch {
    return { kind: "mismatch", rule: error.context.ruleStack.at(-1) ?? "file" };
  }
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
    span: anchor(error, context.tokens),
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
        `the last value of \`${entryKeyBefore(site.context.tokens, previous) ?? "the entry"}\``,
      );
    }
    if (parent === "arg" && tokenMatcher(site.actual, RParen)) {
      const what = openerDescription(
        site,
        ")",
        findOpener(site.context.tokens, site.index, ")"),
      );
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
    const key = entryKeyBefore(site.context.tokens, site.previous);
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

/** Describes the declaration being parsed at the error, e.g. "model `mmoe`". */
function declarationBefore(site: ErrorSite): string {
  const found = lastTopLevelDeclaration(site.context.tokens, site.index);
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
  const found = lastTopLevelDeclaration(site.context.tokens, site.index);
  return found === undefined ? "declaration" : site.context.tokens[found].image;
}
