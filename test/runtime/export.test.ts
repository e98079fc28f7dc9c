import * as tf from "@tensorflow/tfjs";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  exportedModelInputs,
  loadExportedModel,
  writeInitialModel,
} from "../../src/runtime/export.js";
import { createNetwork } from "../../src/runtime/network.js";
import {
  TEST_HIERARCHY,
  TEST_PRE,
  testBatch,
  testIr,
  testSharedBottom,
} from "./network-fixtures.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const viteNode = path.join(
  path.dirname(
    createRequire(import.meta.url).resolve("vite-node/package.json"),
  ),
  "vite-node.mjs",
);
const directories: string[] = [];

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "hmdnc-export-"));
  directories.push(directory);
  return directory;
}

afterAll(async () => {
  await Promise.all(
    directories.map((d) => rm(d, { recursive: true, force: true })),
  );
});

/** Trains a small HMDN network (views with a hidden layer) for a few steps and exports it. */
async function trainAndExport(directory: string) {
  const ir = testIr({
    hierarchy: { ...TEST_HIERARCHY, codebooks: "per_level", viewLayers: [5] },
  });
  const network = await createNetwork(ir, TEST_PRE, {
    backend: "cpu",
    backbone: testSharedBottom,
  });
  for (let i = 0; i < 5; i++) network.trainStep(testBatch(32, 500 + i));
  const expected = network.predict(testBatch(16, 300));
  await network.exportTfjs(directory);
  await writeFile(path.join(directory, "ir.json"), JSON.stringify(ir));
  network.dispose();
  return { ir, expected };
}

describe("tfjs export", () => {
  it("writes model.json and one weight shard", async () => {
    const directory = await temporaryDirectory();
    await trainAndExport(directory);
    const files = (await readdir(directory)).sort();
    expect(files).toEqual(["group1-shard1of1.bin", "ir.json", "model.json"]);
    const json = JSON.parse(
      await readFile(path.join(directory, "model.json"), "utf8"),
    );
    expect(json.format).toBe("layers-model");
    const classes = json.modelTopology.config.layers.map(
      (layer: { class_name: string }) => layer.class_name,
    );
    expect(classes).toContain("HmdnEmbedding");
    expect(classes).toContain("HmdnCore");
    const names = json.weightsManifest[0].weights.map(
      (w: { name: string }) => w.name,
    );
    expect(names).toContain("hmdn_embedding/embedding/user");
    expect(names).toContain("hmdn_core/hierarchy/codebook_1");
  });

  it("predicts the same in this process after loading", async () => {
    const directory = await temporaryDirectory();
    const { ir, expected } = await trainAndExport(directory);
    const model = await loadExportedModel(directory, testSharedBottom);
    const inputs = exportedModelInputs(ir, testBatch(16, 300));
    const output = model.predict(inputs) as tf.Tensor;
    const values = output.dataSync();
    for (let i = 0; i < 16; i++) {
      expect(values[i * 2]).toBeCloseTo(expected.click[i], 6);
      expect(values[i * 2 + 1]).toBeCloseTo(expected.like[i], 6);
    }
    tf.dispose([...inputs, output]);
    model.dispose();
  });

  it("predicts the same in a fresh process", async () => {
    const directory = await temporaryDirectory();
    const { expected } = await trainAndExport(directory);
    const { stdout } = await run(process.execPath, [
      viteNode,
      path.join(here, "export-child.ts"),
      directory,
      "cpu",
    ]);
    const values = JSON.parse(stdout.trim().split("\n").pop()!) as number[];
    expect(values).toHaveLength(32);
    for (let i = 0; i < 16; i++) {
      expect(values[i * 2]).toBeCloseTo(expected.click[i], 6);
      expect(values[i * 2 + 1]).toBeCloseTo(expected.like[i], 6);
    }
  }, 60_000);

  it("writes an initial model equal to a fresh network", async () => {
    const directory = await temporaryDirectory();
    const ir = testIr({ dropout: 0.1 });
    await writeInitialModel(ir, TEST_PRE, directory, { backend: "cpu" });
    const network = await createNetwork(ir, TEST_PRE, { backend: "cpu" });
    const expected = network.predict(testBatch(16, 300));
    network.dispose();
    const model = await loadExportedModel(directory);
    const inputs = exportedModelInputs(ir, testBatch(16, 300));
    const output = model.predict(inputs) as tf.Tensor;
    const values = output.dataSync();
    for (let i = 0; i < 16; i++) {
      expect(values[i * 2]).toBeCloseTo(expected.click[i], 6);
    }
    tf.dispose([...inputs, output]);
    model.dispose();
  });
});
