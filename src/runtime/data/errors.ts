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
  /** The text of the physical line, to quote under the message; long lines are cut around `column`. */
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
    const { text, caret } = quoteLine(lineText, column, diagnostic.length ?? 1);
    lines.push(`${pad} |`, `${line} | ${text}`, `${pad} | ${caret}`);
    if (diagnostic.help !== undefined) lines.push(`${pad} |`);
  }
  if (diagnostic.help !== undefined) {
    lines.push(`${pad} = help: ${escape(diagnostic.help)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Characters of a quoted data line shown around the error column. */
const QUOTE_WIDTH = 120;

/** Characters kept before the error column when a long line is cut. */
const QUOTE_CONTEXT = 40;

const ELLIPSIS = "...";

/**
 * Cuts `lineText` to a window around 1-based `column` (with `...` on each
 * cut side), escapes control characters, and draws the caret row under the
 * `length` characters from `column`.
 */
function quoteLine(
  lineText: string,
  column: number,
  length: number,
): { text: string; caret: string } {
  const start = Math.min(Math.max(0, column - 1), lineText.length);
  let from = 0;
  let to = lineText.length;
  if (lineText.length > QUOTE_WIDTH) {
    from = Math.max(0, start - QUOTE_CONTEXT);
    to = Math.min(lineText.length, from + QUOTE_WIDTH);
    from = Math.max(0, Math.min(from, to - QUOTE_WIDTH));
  }
  const prefix = from > 0 ? ELLIPSIS : "";
  const suffix = to < lineText.length ? ELLIPSIS : "";
  // Escapes widen the text, so the caret column is measured on the escaped
  // text. Tabs stay tabs in the padding so the terminal moves the caret to
  // the same tab stop as the text above it (TSV files are full of them).
  const before = prefix + escape(lineText.slice(from, start));
  const markedEnd = Math.min(to, start + Math.max(1, length));
  const marked = escape(lineText.slice(start, markedEnd)).length;
  return {
    text: prefix + escape(lineText.slice(from, to)) + suffix,
    caret: before.replace(/[^\t]/g, " ") + "^".repeat(Math.max(1, marked)),
  };
}
