import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { CsvParser } from "../../src/runtime/data/csv.js";

/** Writes records per RFC 4180, quoting only the fields that need it. */
function writeCsv(records: string[][], lineEnd: string): string {
  const quote = (field: string) =>
    /[",\r\n]/.test(field) || field === ""
      ? `"${field.replaceAll('"', '""')}"`
      : field;
  return (
    records.map((fields) => fields.map(quote).join(",")).join(lineEnd) + lineEnd
  );
}

/** Parses `text` fed in pieces of the given sizes. */
function parseInPieces(text: string, sizes: number[]): string[][] {
  const parser = new CsvParser("p.csv", ",");
  const records: string[][] = [];
  const collect = (final: boolean, piece: string) => {
    const block = parser.parse(piece, final);
    for (let r = 0; r < block.count; r++) {
      records.push(block.fields.slice(block.offsets[r], block.offsets[r + 1]));
    }
  };
  let at = 0;
  for (const size of sizes) {
    if (at >= text.length) break;
    collect(false, text.slice(at, at + size));
    at += size;
  }
  collect(true, text.slice(at));
  return records;
}

const field = fc.stringOf(
  fc.constantFrom("a", "b", ",", '"', "\n", "\r\n", " ", "é"),
  {
    maxLength: 6,
  },
);

describe("csv parser properties", () => {
  it("reads back what an RFC 4180 writer wrote", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.array(fc.array(field, { minLength: width, maxLength: width }), {
            minLength: 1,
            maxLength: 6,
          }),
        ),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 30 }),
        (records, crlf, sizes) => {
          const text = writeCsv(records, crlf ? "\r\n" : "\n");
          // Values come back with CRLF inside quotes turned into LF.
          const expected = records.map((r) =>
            r.map((f) => f.replaceAll("\r\n", "\n")),
          );
          expect(parseInPieces(text, sizes)).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
