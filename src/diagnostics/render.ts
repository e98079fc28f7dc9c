/**
 * Human and JSON renderings of diagnostics. Both are pure functions of the
 * diagnostics and the source texts, so tests compare them as plain strings.
 *
 * The human form follows rustc and Elm: a header with the code, the file
 * position, the source lines with carets under the span, then notes and help.
 */

import type { Diagnostic, Severity } from "./diagnostic.js";
import { escapeControlCharacters as escape } from "./escape.js";
import type { Source, Span } from "./span.js";

/** Options of `renderDiagnostics`. */
export interface RenderOptions {
  /** Use ANSI colors; callers pass `true` only when the output is a TTY. */
  readonly color: boolean;
  /**
   * The most diagnostics drawn per file, in the order given; the rest are
   * counted in a line before the summary. Defaults to
   * `DEFAULT_MAX_DIAGNOSTICS_PER_FILE`; `Infinity` draws them all.
   */
  readonly maxDiagnosticsPerFile?: number;
}

/**
 * Diagnostics drawn per file by default. A file of random bytes gives
 * hundreds of errors, and the first ones are the ones worth reading.
 */
export const DEFAULT_MAX_DIAGNOSTICS_PER_FILE = 20;

/** Source lines longer than this many characters are cut around the span. */
export const MAX_LINE_WIDTH = 120;

/** Tabs are drawn as this many spaces so carets line up under the text. */
const TAB_WIDTH = 4;

/** Characters of context kept before the span when a long line is cut. */
const CONTEXT_BEFORE_SPAN = 30;

const ELLIPSIS = "...";

interface Palette {
  severity(severity: Severity, text: string): string;
  secondary(text: string): string;
  gutter(text: string): string;
  bold(text: string): string;
}

const plain: Palette = {
  severity: (_severity, text) => text,
  secondary: (text) => text,
  gutter: (text) => text,
  bold: (text) => text,
};

const ansiColors: Record<Severity, string> = {
  error: "31",
  warning: "33",
  note: "36",
};

const ansi: Palette = {
  severity: (severity, text) =>
    `\u001b[1;${ansiColors[severity]}m${text}\u001b[0m`,
  secondary: (text) => `\u001b[1;34m${text}\u001b[0m`,
  gutter: (text) => `\u001b[1;34m${text}\u001b[0m`,
  bold: (text) => `\u001b[1m${text}\u001b[0m`,
};

/** One underline to draw: a span in the snippet's file and its text. */
interface Marker {
  readonly span: Span;
  readonly text: string | undefined;
  readonly primary: boolean;
}

/**
 * Renders diagnostics for a terminal, each followed by a blank line, then a
 * summary line such as `2 errors, 1 warning`. Returns an empty string when
 * there are no diagnostics. A diagnostic whose file is missing from
 * `sources` is rendered without its source lines. Past
 * `options.maxDiagnosticsPerFile` diagnostics of one file, the rest of that
 * file are left out and a line such as `... 545 more diagnostics in x.hmdn
 * not shown` precedes the summary, which still counts every diagnostic.
 */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
  options: RenderOptions,
): string {
  if (diagnostics.length === 0) return "";
  const palette = options.color ? ansi : plain;
  const limit = Math.max(
    1,
    options.maxDiagnosticsPerFile ?? DEFAULT_MAX_DIAGNOSTICS_PER_FILE,
  );
  const shownPerFile = new Map<string, number>();
  const hiddenPerFile = new Map<string, number>();
  const blocks: string[] = [];
  for (const item of diagnostics) {
    const shown = shownPerFile.get(item.file) ?? 0;
    if (shown >= limit) {
      hiddenPerFile.set(item.file, (hiddenPerFile.get(item.file) ?? 0) + 1);
      continue;
    }
    shownPerFile.set(item.file, shown + 1);
    blocks.push(renderOne(item, sources, palette));
  }
  const hidden = [...hiddenPerFile].map(
    ([file, count]) =>
      `... ${count} more diagnostic${count === 1 ? "" : "s"} in ${escape(file)} not shown\n`,
  );
  if (hidden.length > 0) blocks.push(hidden.join(""));
  return `${blocks.join("\n")}\n${palette.bold(summarizeDiagnostics(diagnostics))}\n`;
}

/**
 * Counts diagnostics by severity, e.g. `2 errors, 1 warning`; severities
 * with no diagnostics are left out, and no diagnostics give `no problems`.
 */
export function summarizeDiagnostics(
  diagnostics: readonly Diagnostic[],
): string {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const item of diagnostics) counts[item.severity]++;
  const parts: string[] = [];
  for (const severity of ["error", "warning", "note"] as const) {
    const count = counts[severity];
    if (count > 0) parts.push(`${count} ${severity}${count === 1 ? "" : "s"}`);
  }
  return parts.length === 0 ? "no problems" : parts.join(", ");
}

function renderOne(
  item: Diagnostic,
  sources: ReadonlyMap<string, Source>,
  palette: Palette,
): string {
  const lines: string[] = [];
  const header = `${item.severity}[${item.code}]`;
  lines.push(
    `${palette.severity(item.severity, header)}${palette.bold(`: ${escape(item.message)}`)}`,
  );

  const source = sources.get(item.file);
  const sameFileLabels = (item.labels ?? []).filter(
    (label) => label.file === item.file,
  );
  const otherFileLabels = (item.labels ?? []).filter(
    (label) => label.file !== item.file,
  );
  const markers: Marker[] = [
    { span: item.span, text: optionalEscape(item.label), primary: true },
    ...sameFileLabels.map((label) => ({
      span: label.span,
      text: escape(label.text),
      primary: false,
    })),
  ];
  const gutterWidth = computeGutterWidth([
    { source, spans: markers.map((marker) => marker.span) },
    ...otherFileLabels.map((label) => ({
      source: sources.get(label.file),
      spans: [label.span],
    })),
  ]);
  const pad = " ".repeat(gutterWidth);

  lines.push(
    `${pad}${palette.gutter("-->")} ${formatPosition(item.file, source, item.span)}`,
  );
  if (source !== undefined) {
    lines.push(
      ...renderSnippet(source, markers, item.severity, gutterWidth, palette),
    );
  }
  for (const label of otherFileLabels) {
    const labelSource = sources.get(label.file);
    lines.push(
      `${pad}${palette.gutter(":::")} ${formatPosition(label.file, labelSource, label.span)}`,
    );
    if (labelSource !== undefined) {
      const marker = {
        span: label.span,
        text: escape(label.text),
        primary: false,
      };
      lines.push(
        ...renderSnippet(
          labelSource,
          [marker],
          item.severity,
          gutterWidth,
          palette,
        ),
      );
    }
  }

  const trailer: string[] = [];
  for (const note of item.notes ?? []) {
    trailer.push(
      `${pad} ${palette.gutter("=")} ${palette.bold("note")}: ${escape(note)}`,
    );
  }
  if (item.help !== undefined) {
    trailer.push(
      `${pad} ${palette.gutter("=")} ${palette.bold("help")}: ${escape(item.help)}`,
    );
  }
  if (trailer.length > 0) {
    if (source !== undefined) lines.push(`${pad} ${palette.gutter("|")}`);
    lines.push(...trailer);
  }
  return `${lines.join("\n")}\n`;
}

function formatPosition(
  file: string,
  source: Source | undefined,
  span: Span,
): string {
  if (source === undefined) return escape(file);
  const { line, column } = source.lineColumn(span.start);
  return `${escape(file)}:${line}:${column}`;
}

function computeGutterWidth(
  groups: readonly { source: Source | undefined; spans: readonly Span[] }[],
): number {
  let maxLine = 1;
  for (const { source, spans } of groups) {
    if (source === undefined) continue;
    for (const span of spans) {
      maxLine = Math.max(maxLine, source.lineColumn(span.start).line);
    }
  }
  return String(maxLine).length;
}

/**
 * Draws the lines the markers start on, in line order, each followed by
 * one underline row per marker on it. A gap of more than one line between
 * drawn lines is shown as `...`.
 *
 * Limitation: a span over several lines is underlined to the end of its
 * first line only, and labels on one line get a row each instead of sharing
 * one as rustc draws them.
 */
function renderSnippet(
  source: Source,
  markers: readonly Marker[],
  severity: Severity,
  gutterWidth: number,
  palette: Palette,
): string[] {
  const byLine = new Map<number, Marker[]>();
  for (const marker of markers) {
    const line = source.lineColumn(marker.span.start).line;
    const list = byLine.get(line) ?? [];
    list.push(marker);
    byLine.set(line, list);
  }
  const lineNumbers = [...byLine.keys()].sort((a, b) => a - b);
  const pad = " ".repeat(gutterWidth);
  const output = [`${pad} ${palette.gutter("|")}`];

  let previous: number | undefined;
  for (const lineNumber of lineNumbers) {
    if (previous !== undefined && lineNumber - previous > 1) {
      output.push(palette.gutter(ELLIPSIS));
    }
    previous = lineNumber;
    const lineMarkers = byLine.get(lineNumber) ?? [];
    const view = viewLine(source, lineNumber, lineMarkers);
    const number = String(lineNumber).padStart(gutterWidth);
    output.push(`${palette.gutter(`${number} |`)} ${view.text}`.trimEnd());
    for (const marker of lineMarkers) {
      const { from, width } = view.place(marker.span);
      const glyph = marker.primary ? "^" : "-";
      const paint = (text: string) =>
        marker.primary
          ? palette.severity(severity, text)
          : palette.secondary(text);
      const underline = paint(
        glyph.repeat(width) + (marker.text ? ` ${marker.text}` : ""),
      );
      output.push(
        `${pad} ${palette.gutter("|")} ${" ".repeat(from)}${underline}`,
      );
    }
  }
  return output;
}

/** A source line as drawn (tabs expanded, maybe cut) and a column mapper. */
interface LineView {
  readonly text: string;
  place(span: Span): { from: number; width: number };
}

function viewLine(
  source: Source,
  lineNumber: number,
  markers: readonly Marker[],
): LineView {
  const raw = source.lineText(lineNumber);
  const lineStart = source.lineStart(lineNumber);
  const expanded = displayText(raw);

  // Limitation: one UTF-16 code unit is one column here, so carets under
  // wide characters (CJK, emoji) land to the left of the text they mark.
  // Columns in the drawn line: each UTF-16 offset of `raw` maps to a display
  // column, and the offset just past the end maps one column further. The
  // drawn text of a prefix is a prefix of the drawn line, so escapes and
  // tabs shift the carets exactly as they shift the text.
  const displayColumn = (offsetInLine: number): number =>
    displayText(raw.slice(0, Math.max(0, Math.min(offsetInLine, raw.length))))
      .length + Math.max(0, offsetInLine - raw.length);

  let windowStart = 0;
  let prefix = "";
  let text = expanded;
  if (expanded.length > MAX_LINE_WIDTH) {
    const firstStart = Math.min(
      ...markers.map((marker) => displayColumn(marker.span.start - lineStart)),
    );
    if (firstStart > MAX_LINE_WIDTH - CONTEXT_BEFORE_SPAN) {
      windowStart = firstStart - CONTEXT_BEFORE_SPAN;
      prefix = ELLIPSIS;
    }
    const room = MAX_LINE_WIDTH - prefix.length - ELLIPSIS.length;
    const body = expanded.slice(windowStart, windowStart + room);
    const suffix = windowStart + room < expanded.length ? ELLIPSIS : "";
    text = prefix + body + suffix;
  }
  const visibleEnd =
    text.length -
    (text.endsWith(ELLIPSIS) && text !== expanded ? ELLIPSIS.length : 0);

  return {
    text,
    place(span: Span) {
      const startColumn = displayColumn(span.start - lineStart);
      const endOffset = Math.min(span.end, lineStart + raw.length);
      const endColumn = displayColumn(endOffset - lineStart);
      const from = Math.max(0, startColumn - windowStart + prefix.length);
      let width = Math.max(1, endColumn - startColumn);
      if (text !== expanded)
        width = Math.max(1, Math.min(width, visibleEnd - from));
      return { from, width };
    },
  };
}

/** A source line as drawn: control characters escaped, then tabs expanded. */
function displayText(raw: string): string {
  return expandTabs(escape(raw));
}

function optionalEscape(text: string | undefined): string | undefined {
  return text === undefined ? undefined : escape(text);
}

function expandTabs(text: string): string {
  if (!text.includes("\t")) return text;
  let output = "";
  for (const char of text) {
    output +=
      char === "\t"
        ? " ".repeat(TAB_WIDTH - (output.length % TAB_WIDTH))
        : char;
  }
  return output;
}

/** A position in JSON output: 1-based line and column plus the UTF-16 offset. */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A secondary label in JSON output. */
export interface JsonLabel {
  readonly file: string;
  readonly start: JsonPosition;
  readonly end: JsonPosition;
  readonly text: string;
}

/** The JSON form of one diagnostic, as `hmdnc check --json` prints it. */
export interface JsonDiagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly start: JsonPosition;
  readonly end: JsonPosition;
  readonly label: string | null;
  readonly labels: readonly JsonLabel[];
  readonly notes: readonly string[];
  readonly help: string | null;
}

/**
 * Converts diagnostics to plain JSON-ready objects with line and column
 * positions. Without a source for a file, lines and columns are 0 and only
 * the offsets are meaningful.
 */
export function diagnosticsToJson(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
): JsonDiagnostic[] {
  return diagnostics.map((item) => {
    const source = sources.get(item.file);
    return {
      code: item.code,
      severity: item.severity,
      message: item.message,
      file: item.file,
      start: jsonPosition(source, item.span.start),
      end: jsonPosition(source, item.span.end),
      label: item.label ?? null,
      labels: (item.labels ?? []).map((label) => {
        const labelSource = sources.get(label.file);
        return {
          file: label.file,
          start: jsonPosition(labelSource, label.span.start),
          end: jsonPosition(labelSource, label.span.end),
          text: label.text,
        };
      }),
      notes: item.notes ?? [],
      help: item.help ?? null,
    };
  });
}

function jsonPosition(
  source: Source | undefined,
  offset: number,
): JsonPosition {
  if (source === undefined) return { line: 0, column: 0, offset };
  return { ...source.lineColumn(offset), offset };
}
