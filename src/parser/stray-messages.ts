/**
 * Messages for stray tokens: a run of tokens inside a block that cannot
 * start an entry, such as the `7` in `levels 6 7` or a `,` after the last
 * value. The grammar keeps such a run inside its block, so one mistake
 * gives one diagnostic and the rest of the block still parses.
 */

import type { IToken } from "chevrotain";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Entry, Vary } from "./ast.js";
import { chevrotain } from "./chevrotain.js";
import {
  OPENER_OF,
  describeTokenText,
  isCloser,
  startsValue,
  tokenSpan,
} from "./token-queries.js";
import { Colon, Comma, Import } from "./tokens.js";

const { tokenMatcher } = chevrotain;

/** The context of a run of stray tokens. */
export interface StraySite {
  readonly file: string;
  /** The stray tokens, in order; at least one. */
  readonly tokens: readonly IToken[];
  /** The owner of the block, e.g. "model `mmoe`". */
  readonly owner: string;
  /** The entry that ends right before the run, if one does. */
  readonly previous: Entry | Vary | undefined;
}

/** Describes a run of stray tokens as one diagnostic. */
export function describeStray(site: StraySite): Diagnostic {
  const [first, second] = site.tokens;
  const what = `the block of ${site.owner}`;
  const span = tokenSpan(first);

  if (isCloser(first)) {
    return diagnostic("HMD1107", {
      file: site.file,
      span,
      message: `unmatched \`${first.image}\` in ${what}`,
      label: `nothing was opened with \`${OPENER_OF[first.image]}\``,
      help: `remove it, or close ${what} with \`}\``,
    });
  }
  if (tokenMatcher(first, Comma)) return describeStrayComma(site, what);

  return diagnostic("HMD1101", {
    file: site.file,
    span,
    message: `unexpected ${describeTokenText(first)} in ${what}`,
    label: "expected an entry or `}`",
    ...helpFor(site, first, second),
  });
}

function describeStrayComma(site: StraySite, what: string): Diagnostic {
  const [comma, second] = site.tokens;
  const previous = site.previous;
  if (second !== undefined && tokenMatcher(second, Comma)) {
    return diagnostic("HMD1101", {
      file: site.file,
      span: tokenSpan(second),
      message: "expected a value after `,`",
      label: "found `,`",
    });
  }
  if (
    second === undefined &&
    previous?.kind === "Entry" &&
    previous.values.length > 0 &&
    previous.block === null
  ) {
    const span = tokenSpan(comma);
    return diagnostic("HMD1105", {
      file: site.file,
      span,
      message: `unexpected \`,\` after the last value of \`${previous.key.name}\``,
      label: "nothing follows this comma",
      help: "remove the `,`",
      fix: { span, replacement: "" },
    });
  }
  if (previous?.kind === "Entry" && previous.values.length === 0) {
    const key = previous.key.name;
    return diagnostic("HMD1101", {
      file: site.file,
      span: tokenSpan(comma),
      message: `unexpected \`,\` after \`${key}\`, which has no value`,
      label: "expected a value before this comma",
      help: `an entry starts with its key; if \`${key}\` is a value, write the key before it`,
    });
  }
  return diagnostic("HMD1101", {
    file: site.file,
    span: tokenSpan(comma),
    message: `unexpected \`,\` in ${what}`,
    label: "expected an entry or `}`",
  });
}

function helpFor(
  site: StraySite,
  first: IToken,
  second: IToken | undefined,
): { help?: string } {
  const previous = site.previous;
  if (
    startsValue(first) &&
    previous?.kind === "Entry" &&
    previous.values.length > 0 &&
    previous.block === null
  ) {
    return {
      help: "values after the first one are separated by commas, as in `metrics auc, logloss`",
    };
  }
  if (
    tokenMatcher(first, Colon) ||
    (second !== undefined && tokenMatcher(second, Colon))
  ) {
    return { help: "an entry is written `key value`, without `:`" };
  }
  if (tokenMatcher(first, Import)) {
    return {
      help: "imports go at the top of the file, before the first declaration",
    };
  }
  return {};
}
