// A declaration whose parent or import is missing reports that, and not
// the keys the missing part would have set.
import path from "node:path";
import { describe, expect, it } from "vitest";

import { checkFiles, compileModel } from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

function codes(diagnostics: readonly { code: string; message: string }[]) {
  return diagnostics.map((item) => [item.code, item.message]);
}

describe("error cascades", () => {
  it("reports only the unknown parent of a model", async () => {
    const dir = writeSpecs({
      "m.hmdn": 'import "base.hmdn"\nmodel k extends bsae { task click {} }\n',
    });
    const result = await compileModel(path.join(dir, "m.hmdn"), { model: "k" });
    expect(result.ir).toBeNull();
    expect(codes(result.diagnostics)).toEqual([
      ["HMD2004", "unknown model `bsae`"],
    ]);
    expect(result.diagnostics[0].help).toBe("did you mean `base`?");
  });

  it("reports only the missing import and the name it would declare", async () => {
    const dir = writeSpecs({
      "m.hmdn": 'import "nobase.hmdn"\nmodel k extends base { }\n',
    });
    const result = await checkFiles([path.join(dir, "m.hmdn")]);
    expect(codes(result.diagnostics)).toEqual([
      [
        "HMD2001",
        `imported file \`${path.join(dir, "nobase.hmdn")}\` not found`,
      ],
      ["HMD2004", "unknown model `base`"],
    ]);
  });

  it("still reports a missing key when the chain is whole", async () => {
    const dir = writeSpecs({ "m.hmdn": "model k { }\n" });
    const result = await checkFiles([path.join(dir, "m.hmdn")]);
    expect(result.diagnostics.map((item) => item.code)).toEqual([
      "HMD2015",
      "HMD2015",
      "HMD2015",
      "HMD2015",
    ]);
  });
});
