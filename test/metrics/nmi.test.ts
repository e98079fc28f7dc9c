import { describe, expect, it } from "vitest";

import { homogeneity, nmi } from "../../src/runtime/metrics/nmi.js";

describe("nmi", () => {
  it("is 1 for the same partition under other names", () => {
    expect(nmi([0, 0, 1, 1, 2], ["x", "x", "y", "y", "z"])).toBeCloseTo(1, 12);
  });

  it("is 0 for independent labelings", () => {
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
  });

  it("matches a hand-computed value", () => {
    // a = [0,0,1,1], b = [0,0,0,1]: H(a) = ln 2,
    // H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4), I = H(b) - H(b|a) = H(b) - (1/2) ln 2.
    const ha = Math.log(2);
    const hb = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const mutual = hb - 0.5 * Math.log(2);
    expect(nmi([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(
      mutual / ((ha + hb) / 2),
      12,
    );
  });

  it("treats constant labelings", () => {
    expect(nmi([1, 1, 1], [2, 2, 2])).toBe(1);
    expect(nmi([1, 1, 1], [0, 1, 2])).toBe(0);
  });

  it("rejects labelings of different lengths", () => {
    expect(() => nmi([1, 2], [1])).toThrow("nmi: labelings have 2 and 1 rows");
  });
});

describe("homogeneity", () => {
  it("is 1 for finer pure codes", () => {
    expect(homogeneity([0, 1, 2, 3], ["x", "x", "y", "y"])).toBeCloseTo(1, 12);
    // The same split scores well below 1 under NMI.
    expect(nmi([0, 1, 2, 3], ["x", "x", "y", "y"])).toBeCloseTo(
      Math.log(2) / ((Math.log(4) + Math.log(2)) / 2),
      12,
    );
  });

  it("matches a hand-computed value", () => {
    // codes [0,0,1,1], labels [0,0,0,1]: I = H(labels) - (1/2) ln 2.
    const hb = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    expect(homogeneity([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(
      (hb - 0.5 * Math.log(2)) / hb,
      12,
    );
  });

  it("is 0 for a single code", () => {
    expect(homogeneity([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0);
  });

  it("is 1 for constant labels", () => {
    expect(homogeneity([0, 1, 2], [7, 7, 7])).toBe(1);
  });
});
