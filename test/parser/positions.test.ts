import { describe, expect, it } from "vitest";
import { parseSpec } from "../../src/parser/index.js";
import { diagnose, show } from "./helpers.js";

/** A spec with one error on each of several lines, and text outside ASCII. */
const lf = [
  "// Übersicht: 快手 feed",
  "model m {",
  '  title "naïve 模型"',
  "  levels 6 7",
  "  /* block ✓ */ tower [64,",
  "  metrics auc,",
  "}",
].join("\n");

function positions(text: string): string[] {
  return diagnose(text).map((item) => `${item.code} ${item.at}`);
}

describe("positions across encodings", () => {
  const expected = ["HMD1101 4:12", "HMD1101 6:11"];

  it("reports lines and columns in the LF file", () => {
    expect(positions(lf)).toEqual(expected);
  });

  it("gives a CRLF file the same positions", () => {
    expect(positions(lf.replaceAll("\n", "\r\n"))).toEqual(expected);
  });

  it("gives a file with a byte order mark the same positions", () => {
    expect(positions(`\ufeff${lf}`)).toEqual(expected);
  });

  it("gives a lone-CR file the same positions", () => {
    expect(positions(lf.replaceAll("\n", "\r"))).toEqual(expected);
  });

  it("counts a tab as one column", () => {
    expect(positions("model m {\n\tlevels 6 7\n}")).toEqual(["HMD1101 2:11"]);
  });

  it("counts UTF-16 code units for characters outside the BMP", () => {
    expect(positions('model m { a "😀" 7 }')).toEqual(["HMD1101 1:18"]);
  });

  it("builds the same AST for LF, CRLF and BOM text", () => {
    const text = 'model m {\n  a "é"\n  b [1, 2]\n}\n';
    const variants = [text, text.replaceAll("\n", "\r\n"), `\ufeff${text}`];
    const shapes = variants.map((variant) =>
      show(parseSpec(variant, "t.hmdn").ast),
    );
    expect(new Set(shapes).size).toBe(1);
    expect(shapes[0]).toBe('model m{a("é") b([1, 2])}');
  });

  it("slices comment and string text by node spans", () => {
    const text = '\ufeff// ünï\r\nmodel m { a "快手" }';
    const result = parseSpec(text, "t.hmdn");
    const comment = result.ast.comments[0];
    expect(result.source.text.slice(comment.loc.start, comment.loc.end)).toBe(
      "// ünï",
    );
    const entry = result.ast.declarations[0].body.entries[0];
    expect(entry.kind === "Entry" && entry.values[0].loc).toEqual({
      start: 20,
      end: 24,
    });
  });
});
