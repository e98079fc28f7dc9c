import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Span } from "../../src/diagnostics/span.js";
import { childKeys, parseSpec, type Node } from "../../src/parser/index.js";

const specDirectory = join(import.meta.dirname, "../../specs/kuairand");
const realSpecs = [
  ...readdirSync(specDirectory)
    .filter((name) => name.endsWith(".hmdn"))
    .map((name) => join(specDirectory, name)),
  ...readdirSync(join(specDirectory, "experiments")).map((name) =>
    join(specDirectory, "experiments", name),
  ),
].map((path) => readFileSync(path, "utf8"));

/** Lines of the real specs, so random files look like specs in places. */
const realLines = realSpecs.flatMap((text) => text.split("\n"));

const soupToken = fc.constantFrom(
  "model",
  "features",
  "dataset",
  "experiment",
  "import",
  "extends",
  "vary",
  "in",
  "true",
  "false",
  "task",
  "group",
  "categorical",
  "hierarchy",
  "train",
  "modelName",
  "group_id",
  "x",
  "user_id",
  "adam",
  "42",
  "-0.5",
  "1e-3",
  "100k",
  "2M",
  "2G",
  "1.2.3",
  '"s"',
  '"a\\nb"',
  '"bad\\q"',
  '"open',
  "'q'",
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ",",
  ":",
  ".",
  "-",
  "=",
  "#",
  "// c\n",
  "/* c */",
  "/* open",
  "\n",
  "\r\n",
  "\r",
  "\t",
  " ",
  "\ufeff",
  "é",
  "快",
  "😀",
  "\\",
  "*/",
);

const tokenSoup = fc
  .array(fc.oneof(soupToken, fc.constantFrom(...realLines)), { maxLength: 60 })
  .map((parts) => parts.join(" "));

const mutatedSpec = fc
  .tuple(
    fc.constantFrom(...realSpecs),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 40 }),
        fc.oneof(soupToken, fc.constant("")),
      ),
      { minLength: 1, maxLength: 8 },
    ),
  )
  .map(([text, edits]) => {
    let result = text;
    for (const [position, length, insert] of edits) {
      const start = position % (result.length + 1);
      result = result.slice(0, start) + insert + result.slice(start + length);
    }
    return result;
  });

const anyText = fc.oneof(tokenSoup, mutatedSpec, fc.string({ maxLength: 200 }));

function inside(inner: Span, outer: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** Returns the problems with node spans: empty, outside the parent, not integers. */
function spanProblems(node: Node, parent: Span): string[] {
  const problems: string[] = [];
  const { start, end } = node.loc;
  if (!Number.isInteger(start) || !Number.isInteger(end))
    problems.push(`${node.kind} has a non-integer span`);
  if (node.kind !== "SpecFile" && start >= end)
    problems.push(`${node.kind} has an empty span`);
  if (!inside(node.loc, parent))
    problems.push(`${node.kind} lies outside its parent`);
  const record = node as unknown as Record<string, unknown>;
  for (const key of childKeys[node.kind]) {
    const child = record[key];
    const children = Array.isArray(child)
      ? child
      : child === null || child === undefined
        ? []
        : [child];
    for (const item of children as Node[])
      problems.push(...spanProblems(item, node.loc));
  }
  return problems;
}

function checkInvariants(text: string): void {
  const started = performance.now();
  const result = parseSpec(text, "fuzz.hmdn");
  expect(performance.now() - started).toBeLessThan(1000);

  const file = result.source.wholeFile;
  for (const item of result.diagnostics) {
    expect(
      Number.isInteger(item.span.start) && Number.isInteger(item.span.end),
    ).toBe(true);
    expect(item.span.start).toBeLessThanOrEqual(item.span.end);
    expect(inside(item.span, file)).toBe(true);
    expect(item.code).toMatch(/^HMD1\d{3}$/);
    expect(item.message).not.toMatch(/Expecting|but found|<--|\{"kind"/);
    for (const label of item.labels ?? [])
      expect(inside(label.span, file)).toBe(true);
  }
  expect(spanProblems(result.ast, file)).toEqual([]);
  for (const comment of result.ast.comments) {
    expect(comment.loc.start).toBeLessThan(comment.loc.end);
    expect(inside(comment.loc, file)).toBe(true);
  }
}

describe("parseSpec on arbitrary input", () => {
  it("keeps its invariants on token soup", () => {
    fc.assert(fc.property(tokenSoup, checkInvariants), {
      numRuns: 300,
      seed: 1,
    });
  });

  it("keeps its invariants on mutated real specs", () => {
    fc.assert(fc.property(mutatedSpec, checkInvariants), {
      numRuns: 300,
      seed: 2,
    });
  });

  it("keeps its invariants on random strings", () => {
    fc.assert(fc.property(anyText, checkInvariants), { numRuns: 200 });
  });

  it("parses the real specs cleanly as a baseline", () => {
    for (const text of realSpecs) {
      expect(parseSpec(text, "real.hmdn").diagnostics).toEqual([]);
    }
  });
});
