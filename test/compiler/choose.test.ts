// Choosing the model of a file: a failed choice points at the file's
// declarations, never at an unrelated first token.
import path from "node:path";
import { describe, expect, it } from "vitest";

import { compileModel } from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

async function choice(text: string, model?: string) {
  const dir = writeSpecs({ "spec.hmdn": text });
  const result = await compileModel(path.join(dir, "spec.hmdn"), {
    ...(model === undefined ? {} : { model }),
  });
  expect(result.ir).toBeNull();
  const source = result.sources.get(result.diagnostics[0].file)!;
  return result.diagnostics.map((item) => ({
    code: item.code,
    at: source.text.slice(item.span.start, item.span.end),
    label: item.label,
    labels: (item.labels ?? []).map((label) => label.text),
  }));
}

describe("chooseDeclaration", () => {
  it("points an unknown --model at the file's models", async () => {
    expect(
      await choice(
        'import "base.hmdn"\nmodel one extends base {}\nmodel two extends base {}\n',
        "nosuch",
      ),
    ).toEqual([
      {
        code: "HMD2031",
        at: "one",
        label: "model `one` is declared here",
        labels: ["and model `two`"],
      },
    ]);
  });

  it("points past the imports of a file without models", async () => {
    expect(await choice('import "base.hmdn"\n')).toEqual([
      {
        code: "HMD2031",
        at: "",
        label: "no model declared by the end of the file",
        labels: [],
      },
    ]);
  });
});
