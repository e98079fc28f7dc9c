/**
 * Every backbone fixture against its PyTorch reference, on the cpu and wasm
 * backends, and the two backends against each other.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backbones } from "../../../src/runtime/backbones/index.js";
import { cases } from "../../reference/backbones/cases.js";
import {
  type GoldenFixture,
  type PassResult,
  runFixture,
  scaledError,
  useBackend,
} from "./helpers.js";

/** Largest error accepted, relative to `max(1, max |expected|)` per tensor. */
const TOLERANCE = 1e-5;

const goldenDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/golden/backbones",
);
const fixtures: GoldenFixture[] = readdirSync(goldenDir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(goldenDir, f), "utf8")));

const results: Record<string, Record<string, PassResult>> = {
  cpu: {},
  wasm: {},
};

/** Lists each compared tensor of two passes as [label, actual, expected]. */
function pairs(actual: PassResult, expected: PassResult) {
  const list: [string, number[], number[]][] = [];
  expected.logits.forEach((l, t) =>
    list.push([`logits[${t}]`, actual.logits[t], l]),
  );
  for (const [name, g] of Object.entries(expected.gradients)) {
    list.push([`d/d ${name}`, actual.gradients[name], g]);
  }
  list.push(["d/dE", actual.embeddingsGradient, expected.embeddingsGradient]);
  if (expected.hierarchyGradient) {
    list.push([
      "d/ds_D",
      actual.hierarchyGradient ?? [],
      expected.hierarchyGradient,
    ]);
  }
  for (const [name, v] of Object.entries(expected.states)) {
    list.push([`state ${name}`, actual.states[name], v]);
  }
  return list;
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`backbones on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });
    afterAll(async () => {
      await useBackend("cpu");
    });
    for (const fixture of fixtures) {
      test(`${fixture.case} matches PyTorch`, () => {
        const factory = backbones[fixture.config.backbone.kind];
        const result = runFixture(fixture, factory);
        results[backend][fixture.case] = result;
        for (const [label, actual, expected] of pairs(
          result,
          fixture.expected,
        )) {
          expect(scaledError(actual, expected), label).toBeLessThan(TOLERANCE);
        }
      });
    }
  });
}

describe("golden files", () => {
  test("every case has a current golden file", () => {
    const byName = new Map(fixtures.map((f) => [f.case, f]));
    for (const spec of cases) {
      const fixture = byName.get(spec.name);
      expect(fixture, `${spec.name}: run regenerate.sh`).toBeDefined();
      expect(fixture?.config, `${spec.name}: stale, run regenerate.sh`).toEqual(
        spec,
      );
    }
    expect(fixtures.length).toBe(cases.length);
  });
});

describe("backends", () => {
  test("cpu and wasm agree on every fixture", () => {
    expect(Object.keys(results.wasm).length).toBe(fixtures.length);
    for (const fixture of fixtures) {
      const cpu = results.cpu[fixture.case];
      const wasm = results.wasm[fixture.case];
      for (const [label, actual, expected] of pairs(wasm, cpu)) {
        expect(
          scaledError(actual, expected),
          `${fixture.case} ${label}`,
        ).toBeLessThan(TOLERANCE);
      }
    }
  });
});
