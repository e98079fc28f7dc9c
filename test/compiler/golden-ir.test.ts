// The IR of two shipped models, as a golden: every default the runtime
// reads is visible here, so a changed default shows up in review.
import path from "node:path";
import { describe, expect, it } from "vitest";

import { compileModel } from "../../src/compiler/index.js";

async function irOf(spec: string, model: string) {
  const { ir, diagnostics } = await compileModel(spec, { model });
  expect(diagnostics).toEqual([]);
  // The source path is absolute; the golden keeps it relative to the repository.
  const source = path.relative(process.cwd(), ir!.dataset.source.path);
  return {
    ...ir!,
    dataset: {
      ...ir!.dataset,
      source: { ...ir!.dataset.source, path: source },
    },
  };
}

describe("golden IR", () => {
  it("of hmdn_mmoe on KuaiRand", async () => {
    expect(
      await irOf("specs/kuairand/mmoe.hmdn", "hmdn_mmoe"),
    ).toMatchSnapshot();
  });

  it("of hmdn_pepnet on KuaiRand", async () => {
    const ir = await irOf("specs/kuairand/pepnet.hmdn", "hmdn_pepnet");
    expect({
      hierarchy: ir.hierarchy,
      backbone: ir.backbone,
      train: ir.train,
    }).toMatchSnapshot();
  });
});
