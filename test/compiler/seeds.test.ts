// Seeds are safe non-negative integers, and a seed list has no repeats.
import path from "node:path";
import { describe, expect, it } from "vitest";

import { checkFiles } from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

async function check(text: string) {
  const dir = writeSpecs({ "spec.hmdn": `import "base.hmdn"\n${text}` });
  const result = await checkFiles([path.join(dir, "spec.hmdn")]);
  return result.diagnostics.map((item) => [item.code, item.message]);
}

describe("seeds", () => {
  it("rejects a repeated seed in an experiment", async () => {
    expect(await check("experiment e { base base  seeds [1, 2, 1] }")).toEqual([
      ["HMD2014", "`seeds` lists 1 twice"],
    ]);
  });

  it("rejects a seed beyond the safe integers", async () => {
    expect(await check("model m extends base { train { seed 1e30 } }")).toEqual(
      [
        [
          "HMD2014",
          "`seed` must be integer >= 0 and at most 9007199254740991, found 1e30",
        ],
      ],
    );
  });

  it("accepts distinct seeds", async () => {
    expect(await check("experiment e { base base  seeds [1, 2, 3] }")).toEqual(
      [],
    );
  });
});
