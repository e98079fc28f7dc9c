import { describe, expect, it } from "vitest";
import { Source } from "../../src/diagnostics/span.js";

describe("Source", () => {
  it("reports 1-based lines and columns", () => {
    const source = new Source("ab\ncd\n", "x.hmdn");
    expect(source.lineColumn(0)).toEqual({ line: 1, column: 1 });
    expect(source.lineColumn(4)).toEqual({ line: 2, column: 2 });
    expect(source.lineText(2)).toBe("cd");
  });

  it("gives CRLF text the positions of its LF twin", () => {
    const lf = new Source("ab\ncd\nef", "lf.hmdn");
    const crlf = new Source("ab\r\ncd\r\nef", "crlf.hmdn");
    expect(crlf.lineColumn(crlf.text.indexOf("e"))).toEqual(
      lf.lineColumn(lf.text.indexOf("e")),
    );
    expect(crlf.lineText(2)).toBe("cd");
    expect(crlf.lineCount).toBe(3);
  });

  it("strips a UTF-8 byte order mark", () => {
    const source = new Source("\ufeffmodel", "bom.hmdn");
    expect(source.text).toBe("model");
    expect(source.lineColumn(0)).toEqual({ line: 1, column: 1 });
  });

  it("clamps offsets past the end to the last position", () => {
    const source = new Source("ab", "x.hmdn");
    expect(source.lineColumn(99)).toEqual({ line: 1, column: 3 });
  });
});
