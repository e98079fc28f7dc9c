/**
 * A streaming RFC 4180 CSV reader. It reads a file in chunks, so a file
 * larger than memory is never held whole, and returns records in blocks of
 * flat arrays (one string per field) to keep the per-field cost low.
 *
 * Fields are separated by a one-character delimiter. Records end with `\n`
 * or `\r\n`, and both give identical output, inside quoted fields too. A
 * field may be quoted with `"`: inside it, `""` is a literal quote, and
 * delimiters and line breaks are data. A UTF-8 byte order mark at the start
 * is dropped, and blank lines are skipped. A quote inside an unquoted field is
 * kept as a literal character, as most CSV writers expect.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

import { DataError } from "./errors.js";

/**
 * Records parsed from one chunk of a CSV file, stored as flat arrays. A
 * parser reuses the arrays for its next chunk, so a block is valid only
 * until the next `parse` call (or the next block of `readCsvBlocks`), and
 * entries past `offsets[count]` are stale.
 */
export interface CsvRecordBlock {
  /** The number of records in the block. */
  readonly count: number;
  /** The 1-based physical line on which each record starts. */
  readonly lines: Int32Array;
  /** The text the block was parsed from, for quoting a line in a message. */
  readonly text: string;
  /** The offset in `text` at which each record starts. */
  readonly starts: Int32Array;
  /** Record `r` owns `fields[offsets[r]]` up to `fields[offsets[r + 1] - 1]`. */
  readonly offsets: Int32Array;
  readonly fields: string[];
  /** The 1-based physical line on which each field starts. */
  readonly fieldLines: Int32Array;
  /** The 1-based column (UTF-16 code units) at which each field starts. */
  readonly fieldColumns: Int32Array;
}

/** Options of the CSV reader. */
export interface CsvReadOptions {
  /** The field delimiter: exactly one character. */
  readonly delimiter: string;
  /** Bytes read per chunk; 64 KiB by default. */
  readonly chunkBytes?: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * An incremental CSV parser: feed it text with `parse`, and it returns the
 * complete records and keeps an unfinished last record for the next call.
 */
export class CsvParser {
  private readonly file: string;
  private readonly delimiter: string;
  private carry = "";
  /** The physical line on which `carry` starts. */
  private carryLine = 1;
  private started = false;
  private builder: BlockBuilder | null = null;

  constructor(file: string, delimiter: string) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n") {
      throw new DataError({
        code: "HMD4014",
        message: `invalid CSV delimiter ${JSON.stringify(delimiter)}`,
        file,
        line: 0,
        column: 0,
        help: "use a single character other than a quote or a line break",
      });
    }
    this.file = file;
    this.delimiter = delimiter;
  }

  /**
   * Parses `chunk` after any text kept from the previous call. With
   * `final`, the end of the text ends the last record, and an unterminated
   * quoted field is an error.
   */
  parse(chunk: string, final: boolean): CsvRecordBlock {
    let text = this.carry.length > 0 ? this.carry + chunk : chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Typical CSV fields are a few characters long; one slot per 4 characters
    // avoids regrowing the arrays in the common case.
    this.builder ??= new BlockBuilder(Math.max(64, text.length >> 2));
    const out = this.builder;
    out.reset();
    out.text = text;
    const consumed = this.parseRecords(text, final, out);
    this.carry = text.slice(consumed.offset);
    this.carryLine = consumed.line;
    return out.finish();
  }

  private parseRecords(
    s: string,
    final: boolean,
    out: BlockBuilder,
  ): { offset: number; line: number } {
    const n = s.length;
    const d = this.delimiter;
    let p = 0;
    let line = this.carryLine;
    const delimiterCode = d.charCodeAt(0);

    while (p < n) {
      const recordStart = p;
      const recordLine = line;
      let lineStart = p;
      const first = s.charCodeAt(p);
      if (first === LF) {
        p++;
        line++;
        continue;
      }
      if (first === CR && (p + 1 < n || !final)) {
        if (p + 1 >= n) break;
        if (s.charCodeAt(p + 1) === LF) {
          p += 2;
          line++;
          continue;
        }
      }
      out.beginRecord(recordLine, recordStart);
      let complete = false;

      for (;;) {
        const column = p - lineStart + 1;
        if (p < n && s.charCodeAt(p) === QUOTE) {
          const quoted = this.readQuoted(s, p, final, line, column);
          if (quoted === null) break;
          out.pushField(quoted.value, line, column);
          for (let k = s.indexOf("\n", p); k >= 0 && k < quoted.end; ) {
            line++;
            lineStart = k + 1;
            k = s.indexOf("\n", k + 1);
          }
          p = quoted.end;
          if (p >= n) {
            if (!final) break;
            complete = true;
            break;
          }
          const next = s.charCodeAt(p);
          if (next === delimiterCode) {
            p++;
            continue;
          }
          if (next === LF) {
            p++;
            line++;
            complete = true;
            break;
          }
          if (next === CR) {
            if (p + 1 >= n && !final) break;
            if (p + 1 < n && s.charCodeAt(p + 1) === LF) {
              p += 2;
              line++;
              complete = true;
              break;
            }
          }
          throw new DataError({
            code: "HMD4003",
            message: `unexpected character ${JSON.stringify(s[p])} after a closing quote`,
            file: this.file,
            line,
            column: p - lineStart + 1,
            lineText: lineFrom(s, lineStart, 0),
            help: 'a quoted field must be followed by the delimiter or the end of the line; write a quote inside a quoted field as ""',
          });
        }

        // Unquoted field: scan to the next delimiter or line feed. A plain
        // charCodeAt loop beats indexOf here because fields are short.
        let q = p;
        let code = 0;
        while (q < n) {
          code = s.charCodeAt(q);
          if (code === delimiterCode || code === LF) break;
          q++;
        }
        if (q < n && code === delimiterCode) {
          out.pushField(s.slice(p, q), line, column);
          p = q + 1;
          continue;
        }
        if (q >= n && !final) break;
        let end = q;
        if (end > p && s.charCodeAt(end - 1) === CR) end--;
        out.pushField(s.slice(p, end), line, column);
        p = q + 1;
        if (q < n) line++;
        complete = true;
        break;
      }

      if (!complete) {
        out.abandonRecord();
        return { offset: recordStart, line: recordLine };
      }
      out.endRecord();
    }
    return { offset: Math.min(p, n), line };
  }

  /**
   * Reads the quoted field opening at `start`. Returns `null` when the
   * text ends inside it and more text may follow.
   */
  // Limitation: a quoted field that spans chunks is scanned again from its
  // start with every chunk, so one field of many megabytes parses slowly.
  private readQuoted(
    s: string,
    start: number,
    final: boolean,
    line: number,
    column: number,
  ): { value: string; end: number } | null {
    const n = s.length;
    let value = "";
    let segment = start + 1;
    let q = segment;
    for (;;) {
      const k = s.indexOf('"', q);
      if (k < 0 || (k + 1 >= n && !final)) {
        if (!final) return null;
        throw new DataError({
          code: "HMD4002",
          message:
            "unterminated quoted field: the file ends before its closing quote",
          file: this.file,
          line,
          column,
          lineText: lineFrom(s, start - column + 1, 0),
          help: 'close the field with a quote, and write quotes inside it as ""',
        });
      }
      if (k + 1 < n && s.charCodeAt(k + 1) === QUOTE) {
        value += s.slice(segment, k + 1);
        q = k + 2;
        segment = q;
        continue;
      }
      value += s.slice(segment, k);
      // A CRLF file must give the same values as its LF twin.
      if (value.includes("\r\n")) value = value.replaceAll("\r\n", "\n");
      return { value, end: k + 1 };
    }
  }
}

/**
 * Returns physical line `line` of the file, which must lie within record
 * `record` of `block` (a record spans several lines only inside quotes).
 * Lines longer than `MAX_QUOTED_LINE` characters are cut; the formatter
 * shows a window around the error column.
 */
export function recordLineText(
  block: CsvRecordBlock,
  record: number,
  line: number,
): string {
  return lineFrom(block.text, block.starts[record], line - block.lines[record]);
}

/**
 * Characters of a line kept for an error message: enough to reach the error
 * column of any realistic CSV line, bounded for a file without line feeds.
 */
// Limitation: for an error past this many characters of one line, the caret
// stands at the end of the quoted window instead of under the field.
const MAX_QUOTED_LINE = 1 << 20;

/** Returns the text of the line that starts `skip` line feeds after `start`. */
function lineFrom(text: string, start: number, skip: number): string {
  let at = start;
  for (let k = 0; k < skip && at >= 0; k++) {
    at = text.indexOf("\n", at);
    if (at >= 0) at++;
  }
  if (at < 0) return "";
  let end = text.indexOf("\n", at);
  if (end < 0) end = text.length;
  if (end > at && text.charCodeAt(end - 1) === CR) end--;
  return text.slice(at, Math.min(end, at + MAX_QUOTED_LINE));
}

/** Collects records into growable flat arrays. */
class BlockBuilder {
  private count = 0;
  private lines: Int32Array;
  private starts: Int32Array;
  text = "";
  private offsets: Int32Array;
  private fields: string[];
  private fieldCount = 0;
  private fieldLines: Int32Array;
  private fieldColumns: Int32Array;

  constructor(fieldCapacity: number) {
    this.lines = new Int32Array(Math.max(16, fieldCapacity >> 3));
    this.offsets = new Int32Array(this.lines.length + 1);
    this.starts = new Int32Array(this.lines.length);
    this.fields = new Array<string>(fieldCapacity).fill("");
    this.fieldLines = new Int32Array(fieldCapacity);
    this.fieldColumns = new Int32Array(fieldCapacity);
  }

  beginRecord(line: number, start: number): void {
    if (this.count + 1 >= this.lines.length) {
      this.lines = grow(this.lines, this.lines.length * 2);
      this.starts = grow(this.starts, this.lines.length);
      this.offsets = grow(this.offsets, this.lines.length + 1);
    }
    this.lines[this.count] = line;
    this.starts[this.count] = start;
  }

  pushField(value: string, line: number, column: number): void {
    const index = this.fieldCount++;
    if (index >= this.fieldLines.length) {
      this.fieldLines = grow(this.fieldLines, index * 2);
      this.fieldColumns = grow(this.fieldColumns, index * 2);
      for (let i = this.fields.length; i < index * 2; i++) this.fields.push("");
    }
    this.fields[index] = value;
    this.fieldLines[index] = line;
    this.fieldColumns[index] = column;
  }

  reset(): void {
    this.count = 0;
    this.fieldCount = 0;
  }

  abandonRecord(): void {
    this.fieldCount = this.offsets[this.count];
  }

  endRecord(): void {
    this.count++;
    this.offsets[this.count] = this.fieldCount;
  }

  finish(): CsvRecordBlock {
    return {
      count: this.count,
      lines: this.lines,
      text: this.text,
      starts: this.starts,
      offsets: this.offsets,
      fields: this.fields,
      fieldLines: this.fieldLines,
      fieldColumns: this.fieldColumns,
    };
  }
}

function grow(array: Int32Array, length: number): Int32Array {
  const next = new Int32Array(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}

/**
 * Reads every record of a CSV file, the header included, in blocks of
 * about one chunk each. Fails with `HMD4001` when the file cannot be read.
 */
export async function* readCsvBlocks(
  path: string,
  options: CsvReadOptions,
): AsyncGenerator<CsvRecordBlock> {
  const parser = new CsvParser(path, options.delimiter);
  const decoder = new StringDecoder("utf8");
  const stream = createReadStream(path, {
    // Small chunks keep each block's strings short-lived, so they die in the
    // young generation: 64 KiB parsed twice as fast as 1 MiB (bench/data-input.ts).
    highWaterMark: options.chunkBytes ?? 1 << 16,
  });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const block = parser.parse(decoder.write(chunk), false);
      if (block.count > 0) yield block;
    }
  } catch (error) {
    throw toReadError(error, path);
  } finally {
    stream.destroy();
  }
  const last = parser.parse(decoder.end(), true);
  if (last.count > 0) yield last;
}

/**
 * Counts the records of a CSV file (the header included) without building
 * strings, using the same quoting and blank-line rules as the parser.
 */
export async function countCsvRecords(
  path: string,
  chunkBytes = 1 << 20,
): Promise<number> {
  let count = 0;
  let inQuotes = false;
  let hasContent = false;
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (inQuotes) {
          if (byte === QUOTE) inQuotes = false;
        } else if (byte === LF) {
          if (hasContent) count++;
          hasContent = false;
        } else if (byte !== CR) {
          hasContent = true;
          if (byte === QUOTE) inQuotes = true;
        }
      }
    }
  } catch (error) {
    throw toReadError(error, path);
  } finally {
    stream.destroy();
  }
  return hasContent || inQuotes ? count + 1 : count;
}

function toReadError(error: unknown, path: string): unknown {
  if (error instanceof DataError) return error;
  const code = (error as { code?: string }).code;
  if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
    const reason =
      code === "ENOENT"
        ? "file not found"
        : code === "EACCES"
          ? "permission denied"
          : "it is a directory";
    return new DataError({
      code: "HMD4001",
      message: `cannot read data file: ${reason}`,
      file: path,
      line: 0,
      column: 0,
      help: "check the `source` path of the dataset, or pass the file with `--data`",
    });
  }
  return error;
}
