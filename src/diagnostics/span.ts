/**
 * A half-open range `[start, end)` of a source text, in UTF-16 code units
 * (the unit `String.prototype.slice` uses). A file-level problem uses the
 * span of the whole file, so no diagnostic is ever without a span.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A position for people: line and column are 1-based, column in UTF-16 code units. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/**
 * The text of one spec file with its line index. A UTF-8 byte order mark is
 * stripped before anything else sees the text, and `\r\n`, `\r` and `\n` all
 * end a line, so a CRLF file reports the same lines and columns as its LF twin.
 */
export class Source {
  readonly text: string;
  readonly path: string;
  private readonly lineStarts: number[];

  constructor(text: string, path: string) {
    this.text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.path = path;
    this.lineStarts = computeLineStarts(this.text);
  }

  /** Converts an offset (clamped into the text) to a 1-based line and column. */
  lineColumn(offset: number): LineColumn {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= clamped) low = middle;
      else high = middle - 1;
    }
    const column = clamped - this.lineStarts[low];
    return { line: low + 1, column: column + 1 };
  }

  /** Returns the text of a 1-based line without its line terminator. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    let end = this.lineStarts[line] ?? this.text.length;
    while (end > start && isLineBreak(this.text.charCodeAt(end - 1))) end--;
    return this.text.slice(start, end);
  }

  /** Returns the offset where a 1-based line starts (clamped to the text). */
  lineStart(line: number): number {
    const index = Math.max(0, Math.min(line - 1, this.lineStarts.length - 1));
    return this.lineStarts[index];
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The span of the whole file, for problems that belong to no construct. */
  get wholeFile(): Span {
    return { start: 0, end: this.text.length };
  }
}

function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    if (code === 0x0a || code === 0x0d) starts.push(i + 1);
  }
  return starts;
}
