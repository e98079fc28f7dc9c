import type { DataCode } from "../../diagnostics/codes-data.js";
import { escapeControlCharacters as escape } from "../../diagnostics/escape.js";

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
  /** The text of the physical line, cut to 200 characters, to quote under the message. */
  readonly lineText?: string;
  /** How many characters from `column` the caret underlines (1 when absent). */
  readonly length?: number;
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

/**
 * Renders a data diagnostic in the layout of the spec diagnostics: the
 * message, the position, the quoted line with a caret under the problem,
 * and the help.
 */
export function formatDataDiagnostic(diagnostic: DataDiagnostic): string {
  const { line, column, lineText } = diagnostic;
  const quoted = line > 0 && lineText !== undefined;
  const pad = " ".repeat(quoted ? String(line).length : 1);
  const location =
    line > 0
      ? `${escape(diagnostic.file)}:${line}:${column}`
      : escape(diagnostic.file);
  const lines = [
    `${diagnostic.severity}[${diagnostic.code}]: ${escape(diagnostic.message)}`,
    `${pad}--> ${location}`,
  ];
  if (quoted) {
    const width = Math.max(1, Math.min(diagnostic.length ?? 1, 200));
    // Escapes widen the text, so the caret column is measured on the
    // escaped text before the column rather than taken from `column`.
    const start = Math.max(0, column - 1);
    // Tabs stay tabs in the padding so the terminal moves the caret to the
    // same tab stop as the text above it (TSV files are full of them).
    const before = escape(lineText.slice(0, start)).replace(/[^\t]/g, " ");
    const marked = escape(lineText.slice(start, start + width)).length;
    const caret = before + "^".repeat(Math.max(1, marked));
    lines.push(
      `${pad} |`,
      `${line} | ${escape(lineText)}`,
      `${pad} | ${caret}`,
    );
    if (diagnostic.help !== undefined) lines.push(`${pad} |`);
  }
  if (diagnostic.help !== undefined) {
    lines.push(`${pad} = help: ${escape(diagnostic.help)}`);
  }
  return `${lines.join("\n")}\n`;
}
