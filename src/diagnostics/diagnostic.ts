import type { Span } from "./span.js";

/** How serious a diagnostic is. Only errors make a command exit with code 1. */
export type Severity = "error" | "warning" | "note";

/** A secondary span with a short text, drawn under the source like the primary caret. */
export interface DiagnosticLabel {
  readonly file: string;
  readonly span: Span;
  readonly text: string;
}

/** A suggested edit that fixes the problem, for editors. */
export interface DiagnosticFix {
  readonly span: Span;
  readonly replacement: string;
}

/**
 * One problem found in user input. `message` says what is wrong and `help`
 * says what to do about it. `file` is the path the user gave (or the import
 * path resolved from it) and `span` lies inside that file's text.
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly span: Span;
  /** Text printed under the primary caret. */
  readonly label?: string;
  readonly labels?: readonly DiagnosticLabel[];
  readonly notes?: readonly string[];
  readonly help?: string;
  readonly fix?: DiagnosticFix;
}
