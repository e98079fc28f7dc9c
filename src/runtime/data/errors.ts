import type { DataCode } from "../../diagnostics/codes-data.js";

/**
 * A positioned data problem, shaped like a `Diagnostic` but located by
 * line and column instead of a span: data files are too large to hold as a
 * `Source`. Line and column are 1-based; column counts UTF-16 code units
 * from the start of the physical line. Both are 0 when the problem belongs
 * to the whole file.
 */
export interface DataDiagnostic {
  readonly code: DataCode;
  readonly severity: "error";
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly help?: string;
}

/**
 * A user error in a data file. The CLI prints `diagnostic` with
 * `formatDataDiagnostic` and exits with code 1, without a stack trace.
 */
export class DataError extends Error {
  readonly diagnostic: DataDiagnostic;

  constructor(diagnostic: Omit<DataDiagnostic, "severity">) {
    super(
      `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ` +
        diagnostic.message,
    );
    this.name = "DataError";
    this.diagnostic = { severity: "error", ...diagnostic };
  }
}

/** Renders a data diagnostic in the rustc-like layout the CLI uses. */
export function formatDataDiagnostic(diagnostic: DataDiagnostic): string {
  const location =
    diagnostic.line > 0
      ? `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`
      : diagnostic.file;
  const lines = [
    `${diagnostic.severity}[${diagnostic.code}]: ${diagnostic.message}`,
    `  --> ${location}`,
  ];
  if (diagnostic.help !== undefined) lines.push(`  = help: ${diagnostic.help}`);
  return `${lines.join("\n")}\n`;
}
