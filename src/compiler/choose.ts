/**
 * Picks the declaration a command works on: the one named by `--model`
 * (or `--experiment`), else the only one the file declares.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { DiagnosticLabel } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Declaration, DeclarationKeyword } from "../parser/ast.js";
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
  const declared = program.declarationsByFile.get(file) ?? [];
  const own = declared
    .filter((declaration) => declaration.keyword === keyword)
    .map((declaration) => declaration.name.name);
  const text = program.sources.get(file)?.text ?? "";
  const place = placeOf(file, text, declared, keyword);
  if (requested !== undefined) {
    const found = table.get(requested);
    if (found !== undefined) return found;
    const candidates = [...table.keys()];
    report(
      diagnostic("HMD2031", {
        file,
        ...place,
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
      ...place,
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

/**
 * Where a choice diagnostic points: at the file's declarations of the
 * wanted kind, else at its first declaration, so the caret sits under a
 * name that explains the choice. A file without declarations is pointed
 * at its end, after whatever it imports.
 */
function placeOf(
  file: string,
  text: string,
  declared: readonly Declaration[],
  keyword: DeclarationKeyword,
): { span: Span; label?: string; labels?: DiagnosticLabel[] } {
  const own = declared.filter((item) => item.keyword === keyword);
  const [first, ...rest] = own;
  if (first !== undefined) {
    return {
      span: first.name.loc,
      label: `${keyword} \`${first.name.name}\` is declared here`,
      labels: rest.map((item) => ({
        file,
        span: item.name.loc,
        text: `and ${keyword} \`${item.name.name}\``,
      })),
    };
  }
  const other = declared[0];
  if (other !== undefined) {
    return {
      span: other.name.loc,
      label: `a ${other.keyword}, not a ${keyword}`,
    };
  }
  const end = text.trimEnd().length;
  return {
    span: { start: end, end },
    label: `no ${keyword} declared by the end of the file`,
  };
}

function choices(
  keyword: DeclarationKeyword,
  names: readonly string[],
): string {
  if (names.length === 0) return `declare a ${keyword} first`;
  return `choose one with \`--${keyword} NAME\`: ${names.map((name) => `\`${name}\``).join(", ")}`;
}
