/**
 * Messages for errors where a closing delimiter was expected: unclosed
 * blocks, lists and argument lists, closers of the wrong kind, and the
 * declaration that shows where a `}` went missing.
 */

import type { IToken } from "chevrotain";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { chevrotain } from "./chevrotain.js";
import {
  describeToken,
  tokenBefore,
  trailingComma,
  unexpected,
  type ErrorSite,
} from "./error-site.js";
import {
  OPENER_OF,
  endsValue,
  findOpener,
  isCloser,
  startsValue,
  tokenIndex,
  tokenSpan,
  type Closer,
} from "./token-queries.js";
import {
  Colon,
  Comma,
  DECLARATION_KEYWORDS,
  Extends,
  Identifier,
  Import,
  LCurly,
  RParen,
} from "./tokens.js";

const { tokenMatcher } = chevrotain;

/** Describes an error where a closing delimiter was expected but the file ended or another token came. */
export function missingCloser(site: ErrorSite, closer: Closer): Diagnostic {
  const opener = findOpener(site.context.tokens, site.index, closer);
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
    findOpener(site.context.tokens, site.index, site.actual.image as Closer) ===
      undefined
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

function closerAlternative(closer: Closer): string {
  return closer === "}" ? "an entry" : "`,`";
}

export function openerDescription(
  site: ErrorSite,
  closer: Closer,
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
