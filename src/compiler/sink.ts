/**
 * A diagnostics collector that drops repeats: merged and imported blocks
 * are checked once per model that uses them.
 */

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Program } from "./program.js";

/** Collects diagnostics without repeats, counting errors. */
export class DiagnosticSink {
  private readonly items = new Map<string, Diagnostic>();
  errors = 0;

  constructor(program: Program) {
    for (const item of program.diagnostics) this.report(item);
  }

  readonly report = (item: Diagnostic): void => {
    const key = `${item.file}\u0000${item.span.start}\u0000${item.span.end}\u0000${item.code}\u0000${item.message}`;
    if (this.items.has(key)) return;
    this.items.set(key, item);
    if (item.severity === "error") this.errors++;
  };

  /** Returns the diagnostics sorted by file and position. */
  sorted(): Diagnostic[] {
    return uniqueSorted([...this.items.values()]);
  }
}

/** Sorts diagnostics by file and position, dropping repeats. */
export function uniqueSorted(items: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = items.filter((item) => {
    const key = `${item.file}\u0000${item.span.start}\u0000${item.span.end}\u0000${item.code}\u0000${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    if (a.span.start !== b.span.start) return a.span.start - b.span.start;
    return a.code.localeCompare(b.code);
  });
}
