/**
 * Picks the declaration a command works on: the one named by `--model`
 * (or `--experiment`), else the only one the file declares.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { DeclarationKeyword } from "../parser/ast.js";
import type { Report } from "./decode.js";
import type { DeclarationRef, Program } from "./program.js";

/** Returns the chosen declaration, or reports why there is none. */
export function chooseDeclaration(
  program: Program,
  file: string,
  keyword: DeclarationKeyword,
  requested: string | undefined,
  report: Report,
): DeclarationRef | null {
  const table = program.declarations[keyword];
  const own = (program.declarationsByFile.get(file) ?? [])
    .filter((declaration) => declaration.keyword === keyword)
    .map((declaration) => declaration.name.name);
  const whole = { start: 0, end: 0 };
  if (requested !== undefined) {
    const found = table.get(requested);
    if (found !== undefined) return found;
    const candidates = [...table.keys()];
    report(
      diagnostic("HMD2031", {
        file,
        span: whole,
        message: `no ${keyword} \`${requested}\` in \`${file}\` or its imports`,
        help:
          didYouMean(suggestSimilar(requested, candidates)) ??
          choices(keyword, candidates),
      }),
    );
    return null;
  }
  if (own.length === 1) return table.get(own[0]) ?? null;
  report(
    diagnostic("HMD2031", {
      file,
      span: whole,
      message:
        own.length === 0
          ? `\`${file}\` declares no ${keyword}`
          : `\`${file}\` declares ${own.length} ${keyword}s, so the ${keyword} must be named`,
      help:
        own.length === 0
          ? `pass a file that declares a ${keyword}`
          : choices(keyword, own),
    }),
  );
  return null;
}

function choices(
  keyword: DeclarationKeyword,
  names: readonly string[],
): string {
  if (names.length === 0) return `declare a ${keyword} first`;
  return `choose one with \`--${keyword} NAME\`: ${names.map((name) => `\`${name}\``).join(", ")}`;
}
