import { describe, expect, it } from "vitest";
import { parseSpec } from "../../src/parser/index.js";
import { show } from "./helpers.js";

function parsed(text: string): string {
  const result = parseSpec(text, "test.hmdn");
  expect(result.diagnostics).toEqual([]);
  return show(result.ast);
}

describe("parseSpec on valid input", () => {
  const cases: [string, string][] = [
    ["", ""],
    ['import "a.hmdn"', 'import("a.hmdn")'],
    ["model m {}", "model m{}"],
    ["model b extends a { }", "model b<a{}"],
    ['dataset d { source "x.csv" }', 'dataset d{source("x.csv")}'],
    ["model m { levels 6 codebook 32 }", "model m{levels(6) codebook(32)}"],
    ["model m { levels 6\ncodebook 32 }", "model m{levels(6) codebook(32)}"],
    ["model m { metrics auc, logloss }", "model m{metrics(auc, logloss)}"],
    ["model m { layers [256, 128, 64] }", "model m{layers([256, 128, 64])}"],
    ["model m { layers [1, 2,] }", "model m{layers([1, 2])}"],
    ["model m { empty [] }", "model m{empty([])}"],
    ["model m { nested [[1], [2, 3]] }", "model m{nested([[1], [2, 3]])}"],
    ["model m { opt adam(lr: 1e-3) }", "model m{opt(adam(lr: 0.001))}"],
    ["model m { m gauc(user_id) }", "model m{m(gauc(user_id))}"],
    ["model m { f f() }", "model m{f(f())}"],
    [
      "model m { s split(seed: 1, valid: 0.1) }",
      "model m{s(split(seed: 1, valid: 0.1))}",
    ],
    ["model m { a true b false }", "model m{a(true) b(false)}"],
    ["model m { n -0.5 k 100k }", "model m{n(-0.5) k(100000)}"],
    ["model m { ref a.b.c }", "model m{ref(a.b.c)}"],
    ["model m { hierarchy { levels 6 } }", "model m{hierarchy(){levels(6)}}"],
    [
      "model m { task click { label is_click tower [64] } }",
      "model m{task(click){label(is_click) tower([64])}}",
    ],
    [
      "features f { categorical a, b { min_count 2 } }",
      "features f{categorical(a, b){min_count(2)}}",
    ],
    [
      "model m { dataset d features f model x experiment y }",
      "model m{dataset(d) features(f) model(x) experiment(y)}",
    ],
    [
      "experiment e { base m vary hierarchy.levels in [1, 2] }",
      "experiment e{base(m) vary hierarchy.levels in [1, 2]}",
    ],
    ["experiment e { vary seed in [1] }", "experiment e{vary seed in [1]}"],
    [
      "experiment e { variant a { hierarchy { view explicit } } }",
      "experiment e{variant(a){hierarchy(){view(explicit)}}}",
    ],
    ["model m { g group_id t trainer }", "model m{g(group_id) t(trainer)}"],
    ['model m { s "a\\tb" }', 'model m{s("a\\tb")}'],
    ["model m { x call(group: 1) }", "model m{x(call(group: 1))}"],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => {
      expect(parsed(text)).toBe(expected);
    });
  }

  it("keeps a dotted vary path as a Path node", () => {
    const result = parseSpec("experiment e { vary seed in [1] }", "t.hmdn");
    const vary = result.ast.declarations[0].body.entries[0];
    expect(vary.kind).toBe("Vary");
    if (vary.kind !== "Vary") return;
    expect(vary.path.kind).toBe("Path");
    expect(vary.path.segments.map((segment) => segment.name)).toEqual(["seed"]);
  });

  it("records spans of declarations and entries", () => {
    const text = "model m {\n  levels 6\n}";
    const declaration = parseSpec(text, "t.hmdn").ast.declarations[0];
    expect(declaration.loc).toEqual({ start: 0, end: text.length });
    expect(declaration.keywordLoc).toEqual({ start: 0, end: 5 });
    const entry = declaration.body.entries[0];
    expect(text.slice(entry.loc.start, entry.loc.end)).toBe("levels 6");
  });

  it("collects comments in source order", () => {
    const text = "// head\nmodel m { /* inner */ a 1 } // tail";
    const { comments } = parseSpec(text, "t.hmdn").ast;
    expect(comments.map((comment) => [comment.text, comment.block])).toEqual([
      ["// head", false],
      ["/* inner */", true],
      ["// tail", false],
    ]);
    expect(text.slice(comments[1].loc.start, comments[1].loc.end)).toBe(
      "/* inner */",
    );
  });

  it("keeps raw number and string text", () => {
    const result = parseSpec('model m { a 2M b "x\\n" }', "t.hmdn");
    const [a, b] = result.ast.declarations[0].body.entries;
    expect(a.kind === "Entry" && a.values[0]).toMatchObject({
      raw: "2M",
      value: 2e6,
    });
    expect(b.kind === "Entry" && b.values[0]).toMatchObject({
      raw: '"x\\n"',
      value: "x\n",
    });
  });

  it("reuses one parser across calls", () => {
    const first = show(parseSpec("model a { x 1 }", "a.hmdn").ast);
    parseSpec("model {", "broken.hmdn");
    const again = show(parseSpec("model a { x 1 }", "a.hmdn").ast);
    expect(again).toBe(first);
  });
});
