import { describe, expect, it } from "vitest";

import {
  Random,
  fnv1a32,
  hashUnit,
  shuffledOrder,
} from "../../src/runtime/data/hash.js";
import { makeSplitter } from "../../src/runtime/data/split.js";

/** FNV-1a over bytes, the textbook definition. */
function fnvBytes(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash >>> 0;
}

describe("fnv1a32", () => {
  it("matches the published test vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("hashes the UTF-8 bytes of non-ASCII text", () => {
    for (const text of ["é", "日本語", "emoji 😀", "lone \ud800 surrogate"]) {
      expect(fnv1a32(text)).toBe(fnvBytes(new TextEncoder().encode(text)));
    }
  });
});

describe("seeded randomness", () => {
  it("repeats a sequence for the same seeds", () => {
    const a = new Random(3, 1);
    const b = new Random(3, 1);
    const c = new Random(3, 2);
    const first = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(first);
    expect(c.next()).not.toBe(first[0]);
  });

  it("shuffles into a permutation", () => {
    const order = shuffledOrder(100, new Random(9));
    expect([...order].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect([...order]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("hashes row indices to uniform units", () => {
    expect(hashUnit(1, 5)).toBe(hashUnit(1, 5));
    expect(hashUnit(1, 5)).not.toBe(hashUnit(2, 5));
    expect(hashUnit(1, 2 ** 32 + 5)).not.toBe(hashUnit(1, 5));
  });
});

describe("splits", () => {
  it("assigns random fractions close to the requested ones", () => {
    const split = makeSplitter(
      { kind: "random", seed: 4, valid: 0.1, test: 0.2 },
      null,
    );
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[split(i, undefined)]++;
    expect(Math.abs(counts[1] / 20000 - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(counts[2] / 20000 - 0.2)).toBeLessThan(0.01);
  });

  it("takes the last rows for an ordered split", () => {
    const split = makeSplitter(
      { kind: "ordered", valid: 0.25, test: 0.25 },
      10,
    );
    const parts = Array.from({ length: 10 }, (_, i) => split(i, undefined));
    // floor(2.5) = 2 test rows and 2 validation rows before them.
    expect(parts).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]);
  });

  it("routes listed column values", () => {
    const split = makeSplitter(
      { kind: "column", column: "day", valid: ["d2"], test: ["d3"] },
      null,
    );
    expect(["d1", "d2", "d3", "d4"].map((d) => split(0, d))).toEqual([
      0, 1, 2, 0,
    ]);
  });
});
