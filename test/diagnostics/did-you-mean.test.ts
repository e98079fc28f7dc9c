import { describe, expect, it } from "vitest";
import {
  MAX_SUGGESTIONS,
  didYouMean,
  editDistance,
  suggestSimilar,
} from "../../src/diagnostics/did-you-mean.js";

describe("editDistance", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["abc", "abc", 0],
    ["user_age", "user_agee", 1],
    ["modle", "model", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ];
  for (const [a, b, expected] of cases) {
    it(`gives ${expected} for \`${a}\` and \`${b}\``, () => {
      expect(editDistance(a, b)).toBe(expected);
      expect(editDistance(b, a)).toBe(expected);
    });
  }
});

describe("suggestSimilar", () => {
  it("ranks the closest names first", () => {
    expect(
      suggestSimilar("user_agee", ["tab", "user_age", "user_id", "user_agent"]),
    ).toEqual(["user_age", "user_agent", "user_id"]);
  });

  it("prefers a case-only difference", () => {
    expect(suggestSimilar("AUC", ["gauc", "auc"])).toEqual(["auc", "gauc"]);
  });

  it("offers nothing for unrelated names", () => {
    expect(suggestSimilar("hierarchy", ["tab", "seed", "lr"])).toEqual([]);
  });

  it("returns at most five suggestions without duplicates", () => {
    const names = ["ab1", "ab2", "ab3", "ab4", "ab5", "ab6", "ab1"];
    const suggestions = suggestSimilar("ab", names);
    expect(suggestions).toHaveLength(MAX_SUGGESTIONS);
    expect(new Set(suggestions).size).toBe(suggestions.length);
  });

  it("never suggests the input itself", () => {
    expect(suggestSimilar("auc", ["auc", "gauc"])).toEqual(["gauc"]);
  });
});

describe("didYouMean", () => {
  it("formats zero, one and several names", () => {
    expect(didYouMean([])).toBeUndefined();
    expect(didYouMean(["user_age"])).toBe("did you mean `user_age`?");
    expect(didYouMean(["auc", "gauc", "uauc"])).toBe(
      "did you mean `auc`, `gauc` or `uauc`?",
    );
  });
});
