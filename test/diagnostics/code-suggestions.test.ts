import { describe, expect, it } from "vitest";

import {
  suggestCodes,
  unknownCodeHelp,
} from "../../src/diagnostics/code-suggestions.js";
import { codes } from "../../src/diagnostics/codes.js";

const known = Object.keys(codes);

describe("unknown code help", () => {
  it("suggests nothing for HMD9999", () => {
    expect(suggestCodes("HMD9999", known)).toEqual([]);
    expect(unknownCodeHelp("HMD9999", known)).toBe(
      "codes look like `HMD2003` and are printed in brackets after `error`; " +
        "the pages in `docs/diagnostics/` list every code",
    );
  });

  it("suggests codes one edit away", () => {
    expect(suggestCodes("hmd1010", ["HMD1001", "HMD1011", "HMD2010"])).toEqual([
      "HMD1001",
      "HMD1011",
    ]);
    expect(suggestCodes("HMD2301", ["HMD2031", "HMD2001", "HMD3001"])).toEqual([
      "HMD2001",
      "HMD2031",
    ]);
    expect(unknownCodeHelp("HMD10011", ["HMD1001", "HMD1002"])).toBe(
      "did you mean `HMD1001`? the pages in `docs/diagnostics/` list every code",
    );
  });

  it("names the band of a far code", () => {
    expect(unknownCodeHelp("HMD2999", known)).toBe(
      "HMD2xxx codes are checker errors in a spec, and this one is not " +
        "among them; the pages in `docs/diagnostics/` list every code",
    );
  });
});
