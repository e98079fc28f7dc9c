import type { SpecFile } from "../parser/ast.js";

/** The properties that may differ between an AST and the AST of its formatted text. */
const IGNORED_KEYS = new Set(["loc", "keywordLoc", "comments"]);

/**
 * Returns a plain copy of an AST without positions and comments, so that
 * the AST of a file and the AST of its formatted text compare equal exactly
 * when formatting kept the meaning.
 */
export function massageAst(ast: SpecFile): unknown {
  return strip(ast);
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (!IGNORED_KEYS.has(key)) copy[key] = strip(child);
  }
  return copy;
}
