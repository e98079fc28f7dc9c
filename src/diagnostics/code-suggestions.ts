/**
 * Help for `hmdnc explain` with a code that is not in the catalogue. Plain
 * spelling suggestions would offer any code with a few digits in common, so
 * only a code one edit away is proposed, and otherwise the band of the code
 * and the folder of the pages.
 */

import { editDistance, MAX_SUGGESTIONS } from "./did-you-mean.js";

/** The folder of the diagnostic pages, relative to the package root. */
export const DIAGNOSTICS_DOCS = "docs/diagnostics/";

/** What each band of codes covers, by the digit after `HMD`. */
const BANDS: Readonly<Record<string, string>> = {
  "1": "syntax errors",
  "2": "checker errors in a spec",
  "3": "errors in an IR file",
  "4": "errors in a data file",
};

/**
 * Returns the known codes one edit (a wrong, missing, extra or swapped
 * character, ignoring case) away from `input`, sorted, at most
 * `MAX_SUGGESTIONS`. When `input` names a known band, only codes of that
 * band qualify, because a code of another band describes another stage.
 */
export function suggestCodes(input: string, known: Iterable<string>): string[] {
  const wanted = input.toUpperCase();
  const band = bandOf(wanted);
  const close = [...new Set(known)].filter(
    (code) =>
      code !== wanted &&
      (band === undefined || bandOf(code) === band) &&
      editDistance(wanted, code) <= 1,
  );
  return close.sort().slice(0, MAX_SUGGESTIONS);
}

/** Returns the band digit of a well-formed code of a known band. */
function bandOf(code: string): string | undefined {
  const digit = /^HMD(\d)\d{3}$/.exec(code)?.[1];
  return digit !== undefined && BANDS[digit] !== undefined ? digit : undefined;
}

/**
 * Builds the help line for an unknown code: the codes one edit away when
 * there are some, otherwise what the code's band covers or what a code
 * looks like, always pointing to `docs/diagnostics/`.
 */
export function unknownCodeHelp(
  input: string,
  known: Iterable<string>,
): string {
  const close = suggestCodes(input, known);
  const pages = `the pages in \`${DIAGNOSTICS_DOCS}\` list every code`;
  if (close.length > 0) {
    const quoted = close.map((code) => `\`${code}\``);
    const last = quoted.pop();
    const options =
      quoted.length > 0 ? `${quoted.join(", ")} or ${last}` : last;
    return `did you mean ${options}? ${pages}`;
  }
  const band = bandOf(input.toUpperCase());
  if (band !== undefined) {
    return `HMD${band}xxx codes are ${BANDS[band]}, and this one is not among them; ${pages}`;
  }
  return `codes look like \`HMD2003\` and are printed in brackets after \`error\`; ${pages}`;
}
