// Builds the network of every model in specs/ on its real data and checks
// that a few training steps lower the loss. Models whose data is not on
// this machine (the sets read from ../shared) are skipped.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler/index.js";
import { parseSpec } from "../../src/parser/index.js";
import { openDataset } from "../../src/runtime/data/index.js";
import { createNetwork } from "../../src/runtime/network.js";

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);
const STEPS = 8;
const BATCH = 256;

function specFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return specFiles(full);
    return name.endsWith(".hmdn") ? [full] : [];
  });
}

/** Every (file, model) pair, each model taken from the file that declares it. */
const cases = specFiles(path.join(root, "specs")).flatMap((file) =>
  parseSpec(readFileSync(file, "utf8"), file)
    .ast.declarations.filter((d) => d.keyword === "model")
    .map((d) => [path.relative(root, file), d.name.name] as const),
);

describe.each(cases)("%s model %s", (file, model) => {
  it("lowers its loss on one real batch within a few steps", async (context) => {
    const { ir, diagnostics } = await compileModel(path.join(root, file), {
      model,
    });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    if (ir === null) throw new Error(`${model} did not compile`);
    if (!existsSync(ir.dataset.source.path)) context.skip();

    const dataset = await openDataset(ir);
    const first = await dataset
      .batches("train", { batchSize: BATCH, epoch: 0 })
      .next();
    if (first.done === true) throw new Error(`${model} has no training rows`);
    const network = await createNetwork(ir, dataset.preprocessing, {
      backend: "wasm",
      seed: 1,
    });
    try {
      const losses: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        losses.push(network.trainStep(first.value.batch).loss);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[STEPS - 1]).toBeLessThan(losses[0]);
    } finally {
      network.dispose();
    }
  });
});
