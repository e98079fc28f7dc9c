/**
 * Reads the header line of a CSV file, and checks the spec's column
 * references against it. Only the first line is read, so checking stays
 * fast on large files.
 */

import { open } from "node:fs/promises";

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import path from "node:path";
import type { ColumnReference, LoweringContext, Place } from "./context.js";
import type { ModelIr } from "./ir.js";
import type { Report } from "./decode.js";

const CHUNK_BYTES = 64 * 1024;

/** Reads the column names of a CSV header, or `null` when the file cannot be read. */
export async function readHeader(
  file: string,
  delimiter: string,
): Promise<string[] | null> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const newline = chunk.indexOf(0x0a);
      chunks.push(newline >= 0 ? chunk.subarray(0, newline) : chunk);
      if (newline >= 0) break;
      position += bytesRead;
    }
    return splitHeader(Buffer.concat(chunks).toString("utf8"), delimiter);
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Splits a header line into names; quotes around a name are removed. */
export function splitHeader(line: string, delimiter: string): string[] {
  const text = line.replace(/^\uFEFF/, "").replace(/\r$/, "");
  return text.split(delimiter).map((name) => {
    const trimmed = name.trim();
    return trimmed.length >= 2 &&
      trimmed.startsWith('"') &&
      trimmed.endsWith('"')
      ? trimmed.slice(1, -1).replaceAll('""', '"')
      : trimmed;
  });
}

/**
 * Reports an empty header line or a repeated column name at `at` (the
 * dataset's `source`), then every column reference the header lacks, once
 * per place. An empty file reports nothing else: every column would be
 * missing.
 */
export function checkColumns(
  references: readonly ColumnReference[],
  header: readonly string[],
  csvPath: string,
  report: Report,
  at: Place | null,
): void {
  const name = path.basename(csvPath);
  if (header.length === 1 && header[0] === "") {
    if (at === null) return;
    report(
      diagnostic("HMD2033", {
        file: at.file,
        span: at.span,
        message: `the CSV file \`${name}\` is empty`,
        label: "this file has no header line",
        help: "its first line must name the columns",
      }),
    );
    return;
  }
  const repeated = header.find(
    (column, index) => header.indexOf(column) < index,
  );
  if (repeated !== undefined && at !== null) {
    report(
      diagnostic("HMD2033", {
        file: at.file,
        span: at.span,
        message: `the header of \`${name}\` names column \`${repeated}\` twice`,
        label: "in this file",
        help: "rename one of the two columns",
      }),
    );
  }
  const known = new Set(header);
  const seen = new Set<string>();
  for (const reference of references) {
    if (known.has(reference.column)) continue;
    const key = `${reference.file}:${reference.span.start}:${reference.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report(
      diagnostic("HMD2022", {
        file: reference.file,
        span: reference.span,
        message: `column \`${reference.column}\` of ${reference.user} is not in the header of \`${name}\``,
        label: "no such column",
        help:
          didYouMean(suggestSimilar(reference.column, header)) ??
          `the header has ${header.length} columns: ${header
            .slice(0, 8)
            .map((name) => `\`${name}\``)
            .join(", ")}${header.length > 8 ? ", .." : ""}`,
      }),
    );
  }
}

/** Checks the column references of a model against its CSV header, when the file is readable. */
export async function checkModelColumns(
  ir: ModelIr,
  context: LoweringContext,
): Promise<void> {
  const { path: csvPath, delimiter } = ir.dataset.source;
  const header = await readHeader(csvPath, delimiter);
  if (header !== null) {
    checkColumns(
      context.columns,
      header,
      csvPath,
      context.report,
      context.sourcePlace,
    );
  }
}
