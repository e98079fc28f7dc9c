import { describe, expect, it } from "vitest";

import {
  CsvParser,
  countCsvRecords,
  readCsvBlocks,
  type CsvRecordBlock,
} from "../../src/runtime/data/csv.js";
import { DataError } from "../../src/runtime/data/errors.js";
import { tempFile } from "./fixtures.js";

interface Row {
  line: number;
  fields: string[];
  positions: string[];
}

function rowsOf(block: CsvRecordBlock): Row[] {
  const rows: Row[] = [];
  for (let r = 0; r < block.count; r++) {
    const start = block.offsets[r];
    const end = block.offsets[r + 1];
    rows.push({
      line: block.lines[r],
      fields: block.fields.slice(start, end),
      positions: Array.from(
        { length: end - start },
        (_, k) =>
          `${block.fieldLines[start + k]}:${block.fieldColumns[start + k]}`,
      ),
    });
  }
  return rows;
}

async function readAll(
  text: string | Buffer,
  chunkBytes?: number,
): Promise<Row[]> {
  const path = tempFile("data.csv", text);
  const rows: Row[] = [];
  for await (const block of readCsvBlocks(path, {
    delimiter: ",",
    chunkBytes,
  })) {
    rows.push(...rowsOf(block));
  }
  return rows;
}

async function readError(text: string): Promise<DataError> {
  try {
    await readAll(text);
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error("expected a DataError");
}

const tricky =
  'a,b,c\n1,"x, y",3\n2,"say ""hi""",4\n3,"two\nlines",5\n4,plain,6\n';

describe("csv reader", () => {
  it("reads quoted commas, doubled quotes and line breaks", async () => {
    const rows = await readAll(tricky);
    expect(rows.map((r) => r.fields)).toEqual([
      ["a", "b", "c"],
      ["1", "x, y", "3"],
      ["2", 'say "hi"', "4"],
      ["3", "two\nlines", "5"],
      ["4", "plain", "6"],
    ]);
  });

  it("numbers lines physically after a multi-line field", async () => {
    const rows = await readAll(tricky);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 6]);
    expect(rows[3].positions).toEqual(["4:1", "4:3", "5:8"]);
    expect(rows[4].positions).toEqual(["6:1", "6:3", "6:9"]);
  });

  it("gives the same records for every chunk size", async () => {
    const expected = await readAll(tricky);
    for (const chunkBytes of [1, 2, 3, 5, 7, 16]) {
      expect(await readAll(tricky, chunkBytes)).toEqual(expected);
    }
  });

  it("reads CRLF files exactly like LF files", async () => {
    const lf = await readAll(tricky);
    const crlf = await readAll(tricky.replaceAll("\n", "\r\n"), 4);
    expect(crlf).toEqual(lf);
  });

  it("strips a byte order mark", async () => {
    const rows = await readAll(Buffer.from("\ufeffa,b\n1,2\n", "utf8"));
    expect(rows[0].fields).toEqual(["a", "b"]);
    expect(rows[0].positions).toEqual(["1:1", "1:3"]);
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const rows = await readAll("k,v\nß,日本\n", 1);
    expect(rows[1].fields).toEqual(["ß", "日本"]);
  });

  it("skips blank lines and keeps empty fields", async () => {
    const rows = await readAll("a,b\n\n1,\n\r\n,2");
    expect(rows.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", ""],
      ["", "2"],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it("reports an unterminated quote at its opening", async () => {
    const error = await readError('a,b\n1,2\n3,"open\nmore\n');
    expect(error.diagnostic.code).toBe("HMD4002");
    expect(error.diagnostic.line).toBe(3);
    expect(error.diagnostic.column).toBe(3);
  });

  it("rejects text after a closing quote", async () => {
    const error = await readError('a,b\n"x"y,2\n');
    expect(error.diagnostic.code).toBe("HMD4003");
    expect(error.diagnostic.line).toBe(2);
    expect(error.diagnostic.column).toBe(4);
  });

  it("reports a missing file", async () => {
    const blocks = readCsvBlocks("/nonexistent/dir/data.csv", {
      delimiter: ",",
    });
    await expect(blocks.next()).rejects.toMatchObject({
      diagnostic: {
        code: "HMD4001",
        message: "cannot read data file: file not found",
      },
    });
  });

  it("counts records like the parser does", async () => {
    const text = tricky + "\n\n7,8,9";
    const path = tempFile("count.csv", text);
    expect(await countCsvRecords(path, 3)).toBe(6);
    expect((await readAll(text)).length).toBe(6);
  });

  it("uses a configured delimiter", () => {
    const parser = new CsvParser("t.tsv", "\t");
    const block = parser.parse('a\tb\n"1\t2"\t3\n', true);
    expect(rowsOf(block).map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1\t2", "3"],
    ]);
  });
});
