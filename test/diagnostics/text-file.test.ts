import { describe, expect, it } from "vitest";

import { Source } from "../../src/diagnostics/span.js";
import {
  findBinaryEvidence,
  notTextFileDiagnostic,
} from "../../src/diagnostics/text-file.js";

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe("text file detection", () => {
  it("accepts UTF-8 text with a mark", () => {
    expect(findBinaryEvidence(utf8("\ufeffmodel m { é 1 } // 模型 😀\n"))).toBe(
      undefined,
    );
  });

  it("finds a NUL byte", () => {
    expect(findBinaryEvidence(utf8("ab\u0000c"))).toEqual({
      reason: "NUL byte",
      byteOffset: 2,
    });
  });

  it("rejects invalid UTF-8 sequences", () => {
    const cases: [Uint8Array, number][] = [
      [bytes(0x61, 0xff), 1],
      [bytes(0x61, 0xc3), 1],
      [bytes(0xc0, 0xaf), 0],
      [bytes(0xe0, 0x80, 0xaf), 0],
      [bytes(0xed, 0xa0, 0x80), 0],
      [bytes(0xf4, 0x90, 0x80, 0x80), 0],
      [bytes(0x61, 0x80), 1],
    ];
    for (const [input, offset] of cases) {
      expect(findBinaryEvidence(input)).toEqual({
        reason: "invalid UTF-8",
        byteOffset: offset,
      });
    }
  });

  it("reports one positioned diagnostic", () => {
    const input = Uint8Array.from([...utf8("\ufeffé\nx"), 0xff]);
    const found = notTextFileDiagnostic("x.hmdn", input);
    expect(found?.message).toBe(
      "the file is not a text file: invalid UTF-8 at byte 7",
    );
    const source = new Source(new TextDecoder().decode(input), "x.hmdn");
    expect(source.lineColumn(found!.span.start)).toEqual({
      line: 2,
      column: 2,
    });
    expect(notTextFileDiagnostic("x.hmdn", utf8("model m {}\n"))).toBe(
      undefined,
    );
  });
});
