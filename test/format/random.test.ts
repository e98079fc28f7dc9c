import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { formatSpec } from "../../src/format/format.js";
import { massageAst } from "../../src/format/massage-ast.js";
import { parseSpec } from "../../src/parser/index.js";

/**
 * Random specs as token lists. Between any two tokens the text gets white
 * space, a line break, a block comment or a line comment, so the formatter
 * meets comments in every position the grammar allows.
 */
const name = fc.constantFrom(
  "alpha",
  "beta",
  "user_id",
  "x1",
  "modelName",
  "group_id",
);
const number = fc.constantFrom(
  "0",
  "42",
  "-0.5",
  "1e-3",
  "2.5e+4",
  "100k",
  "2M",
);
const string = fc.constantFrom(
  '"a"',
  '"say \\"hi\\""',
  '"// not a comment"',
  '"caf\\u00e9"',
);
const scalar = fc.oneof(name, number, string, fc.constantFrom("true", "false"));

const value: fc.Arbitrary<string[]> = fc.letrec<{ value: string[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar.map((token) => [token]),
    fc.tuple(name, name).map(([a, b]) => [a, ".", b]),
    fc
      .array(tie("value"), { maxLength: 3 })
      .map((items) => ["[", ...joinWith(items, ","), "]"]),
    fc
      .tuple(
        name,
        fc.array(fc.tuple(fc.option(name, { nil: undefined }), tie("value")), {
          maxLength: 3,
        }),
      )
      .map(([callee, args]) => [
        callee,
        "(",
        ...joinWith(
          args.map(([label, item]) =>
            label === undefined ? item : [label, ":", ...item],
          ),
          ",",
        ),
        ")",
      ]),
  ),
})).value;

const block: fc.Arbitrary<string[]> = fc.letrec<{ block: string[] }>((tie) => ({
  block: fc
    .array(
      fc.tuple(
        name,
        fc.array(value, { maxLength: 3 }),
        fc.option(tie("block"), { nil: undefined, depthSize: "small" }),
      ),
      { maxLength: 4 },
    )
    .map((entries) => [
      "{",
      ...entries.flatMap(([key, values, nested]) => {
        // An entry needs a value or a block.
        const items =
          values.length === 0 && nested === undefined ? [["1"]] : values;
        return [key, ...joinWith(items, ","), ...(nested ?? [])];
      }),
      "}",
    ]),
})).block;

const declaration = fc
  .tuple(
    fc.constantFrom("dataset", "features", "model", "experiment"),
    name,
    fc.option(name, { nil: undefined }),
    block,
  )
  .map(([keyword, declared, base, body]) => [
    keyword,
    declared,
    ...(base === undefined ? [] : ["extends", base]),
    ...body,
  ]);

const spec = fc.tuple(
  fc.array(fc.constantFrom('"a.hmdn"', '"../b.hmdn"'), { maxLength: 2 }),
  fc.array(declaration, { minLength: 1, maxLength: 3 }),
);

const gap = fc.constantFrom(
  " ",
  " ",
  " ",
  "\n",
  "\n\n",
  " /* c */ ",
  "\n/* d\n e */\n",
  " // f\n",
);

function joinWith(items: readonly string[][], separator: string): string[] {
  return items.flatMap((item, index) =>
    index === 0 ? item : [separator, ...item],
  );
}

// Gaps are drawn as a fixed-length array so that fast-check can shrink a
// failing case to the few comments that matter.
const randomText = fc
  .tuple(spec, fc.array(gap, { minLength: 200, maxLength: 200 }))
  .map(([[imports, declarations], gaps]) => {
    const tokens = [
      ...imports.flatMap((path) => ["import", path]),
      ...declarations.flat(),
    ];
    return tokens
      .map((token, index) => token + gaps[index % gaps.length])
      .join("");
  });

describe("formatter on random specs", () => {
  it("keeps meaning and comments, and is stable", async () => {
    await fc.assert(
      fc.asyncProperty(randomText, async (text) => {
        const before = parseSpec(text, "random.hmdn");
        expect(before.diagnostics.map((item) => item.message)).toEqual([]);
        const result = await formatSpec(text, "random.hmdn");
        if (!result.ok) throw new Error("formatting failed");
        const after = parseSpec(result.formatted, "random.hmdn");
        expect(after.diagnostics.map((item) => item.message)).toEqual([]);
        expect(massageAst(after.ast)).toEqual(massageAst(before.ast));
        expect(after.ast.comments.map((item) => item.text)).toEqual(
          before.ast.comments.map((item) => item.text),
        );
        const again = await formatSpec(result.formatted, "random.hmdn");
        expect(again.ok && again.formatted).toBe(result.formatted);
      }),
      { numRuns: 100, seed: 20261204 },
    );
  });
});
