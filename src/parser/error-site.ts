/**
 * The error site holds the facts every syntax message builder uses about
 * one error: the payload Chevrotain recorded, the rule stack and the tokens
 * around it. This module also holds the builders they share.
 */

import type { IToken } from "chevrotain";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source, Span } from "../diagnostics/span.js";
import { describeTokenText, tokenIndex, tokenSpan } from "./token-queries.js";

/** The details of one syntax error, as the error message provider records them. */
export interface ErrorPayload {
  readonly kind: "mismatch" | "noViableAlt" | "earlyExit" | "redundant";
  readonly rule: string;
  /** The expected token type, for `mismatch`. */
  readonly expected?: string;
}

/** The file context a message is worded from, including block owners from the AST builder. */
export interface ParseContext {
  readonly source: Source;
  readonly tokens: readonly IToken[];
  /** The owner of each block, e.g. "model `mmoe`", keyed by the offset of its `{`. */
  readonly blockOwners: ReadonlyMap<number, string>;
}

/** Everything one message builder needs about an error. */
export interface ErrorSite {
  readonly payload: ErrorPayload;
  readonly ruleStack: readonly string[];
  readonly actual: IToken;
  readonly atEnd: boolean;
  readonly index: number;
  readonly previous: IToken | undefined;
  readonly span: Span;
  readonly context: ParseContext;
}

export function unexpected(
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
export function describeToken(site: ErrorSite): string {
  return site.atEnd ? "the end of the file" : describeTokenText(site.actual);
}

export function trailingComma(
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

export function tokenBefore(
  site: ErrorSite,
  token: IToken,
): IToken | undefined {
  const index = tokenIndex(token, site.context.tokens);
  return site.context.tokens[index - 1];
}
