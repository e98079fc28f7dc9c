/**
 * The catalogue of stable diagnostic codes. Each band lives in its own file
 * so the owner of a stage adds codes without touching the others:
 *
 * - `HMD1xxx` syntax (lexer and parser): `codes-syntax.ts`
 * - `HMD2xxx` checker: `codes-check.ts`
 * - `HMD3xxx` IR and lowering: `codes-ir.ts`
 * - `HMD4xxx` data and runtime: `codes-data.ts`
 *
 * A code is never reused. To retire one, keep its entry and set `removed`.
 * Every code has a page `docs/diagnostics/<CODE>.md`, which
 * `hmdnc explain <CODE>` prints.
 */

import { checkCodes } from "./codes-check.js";
import { dataCodes } from "./codes-data.js";
import { irCodes } from "./codes-ir.js";
import { syntaxCodes } from "./codes-syntax.js";
import type {
  Diagnostic,
  DiagnosticFix,
  DiagnosticLabel,
  Severity,
} from "./diagnostic.js";
import type { Span } from "./span.js";

/** The catalogue entry of one code. */
export interface CodeInfo {
  readonly severity: Severity;
  /** A short lowercase phrase naming the problem, e.g. `unterminated string`. */
  readonly title: string;
  /** A kebab-case name for the problem, used in fixture and anchor names. */
  readonly slug: string;
  /** Set when the code is retired; retired codes are never emitted again. */
  readonly removed?: true;
}

/** The type each band file gives its table. */
export type CodeTable = { readonly [code: string]: CodeInfo };

/** Every code of every band, keyed by code. */
export const codes = {
  ...syntaxCodes,
  ...checkCodes,
  ...irCodes,
  ...dataCodes,
} satisfies CodeTable;

/** A code that exists in the catalogue; a typo is a type error. */
export type DiagnosticCode = keyof typeof codes;

/** The fields of a diagnostic that vary per occurrence. */
export interface DiagnosticParts {
  readonly file: string;
  readonly span: Span;
  readonly message: string;
  readonly label?: string;
  readonly labels?: readonly DiagnosticLabel[];
  readonly help?: string;
  readonly notes?: readonly string[];
  readonly fix?: DiagnosticFix;
}

/** Returns the catalogue entry of `code`, or `undefined` for an unknown code. */
export function codeInfo(code: string): CodeInfo | undefined {
  return Object.hasOwn(codes, code) ? (codes as CodeTable)[code] : undefined;
}

/** The repository path of the page that explains `code`. */
export function docsPath(code: string): string {
  return `docs/diagnostics/${code}.md`;
}

/**
 * Builds a diagnostic whose severity comes from the catalogue, so one code
 * always has one severity. Optional parts that are absent stay absent.
 */
export function diagnostic(
  code: DiagnosticCode,
  parts: DiagnosticParts,
): Diagnostic {
  const info: CodeInfo = codes[code];
  const result: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: info.severity,
    message: parts.message,
    file: parts.file,
    span: parts.span,
  };
  if (parts.label !== undefined) result.label = parts.label;
  if (parts.labels !== undefined && parts.labels.length > 0) {
    result.labels = parts.labels;
  }
  if (parts.help !== undefined) result.help = parts.help;
  if (parts.notes !== undefined && parts.notes.length > 0) {
    result.notes = parts.notes;
  }
  if (parts.fix !== undefined) result.fix = parts.fix;
  return result;
}
