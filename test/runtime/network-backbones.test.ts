import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import type { BackboneIr } from "../../src/compiler/ir.js";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  exportedModelInputs,
  loadExportedModel,
} from "../../src/runtime/export.js";
import { createNetwork } from "../../src/runtime/network.js";
import {
  TEST_HIERARCHY,
  TEST_PRE,
  testBatch,
  testIr,
} from "./network-fixtures.js";

const common = {
  id: "b",
  activation: "relu",
  dropout: 0.1,
  norm: "batch",
} as const;

/** One small configuration of every backbone kind, each reading the hierarchy. */
const BACKBONES: BackboneIr[] = [
  { ...common, kind: "shared_bottom", hierarchyUse: "modulate", layers: [8] },
  {
    ...common,
    kind: "mmoe",
    hierarchyUse: "gates",
    experts: 2,
    expertLayers: [8],
  },
  {
    ...common,
    kind: "ple",
    hierarchyUse: "gates",
    levels: 2,
    sharedExperts: 1,
    specificExperts: 1,
    expertLayers: [8],
  },
  {
    ...common,
    kind: "star",
    hierarchyUse: "modulate_condition",
    layers: [8],
    partitionedNorm: true,
    auxiliaryLayers: [4],
  },
  {
    ...common,
    kind: "m2m",
    hierarchyUse: "modulate_condition",
    experts: 2,
    expertLayers: [8],
    scenarioDim: 4,
    metaLayers: [8],
  },
  {
    ...common,
    kind: "apg",
    hierarchyUse: "modulate_condition",
    layers: [8],
    rank: 2,
    condition: "both",
    scenarioDim: 4,
  },
  {
    ...common,
    kind: "pepnet",
    hierarchyUse: "modulate_condition",
    layers: [8],
    epnet: true,
    ppnet: true,
    gateHidden: 4,
    epnetFeatures: ["gender"],
    ppnetFeatures: ["user", "item"],
    scenarioDim: 4,
  },
];

describe.each(BACKBONES.map((b) => [b.kind, b] as const))(
  "network with the %s backbone",
  (_kind, backbone) => {
    it("trains on wasm without leaks and exports", async () => {
      const base = testIr({ hierarchy: TEST_HIERARCHY, dropout: 0.1 });
      const ir = {
        ...base,
        backbone,
        tasks: base.tasks.map((t) => ({
          ...t,
          towers: "per_scenario" as const,
          tower: [4],
        })),
      };
      const network = await createNetwork(ir, TEST_PRE, { backend: "wasm" });
      const batch = testBatch(32, 3);
      const first = network.trainStep(batch).loss;
      const count = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 12; i++) last = network.trainStep(batch).loss;
      network.predict(batch);
      expect(tf.memory().numTensors).toBe(count);
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(first);

      const directory = await mkdtemp(
        path.join(os.tmpdir(), "hmdnc-backbone-"),
      );
      try {
        await network.exportTfjs(directory);
        const model = await loadExportedModel(directory);
        const inputs = exportedModelInputs(ir, batch);
        const output = model.predict(inputs) as tf.Tensor;
        const exported = output.dataSync();
        const expected = network.predict(batch);
        for (let i = 0; i < batch.size; i++) {
          expect(exported[i * 2]).toBeCloseTo(expected.click[i], 5);
          expect(exported[i * 2 + 1]).toBeCloseTo(expected.like[i], 5);
        }
        tf.dispose([...inputs, output]);
        model.dispose();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
      network.dispose();
    });
  },
);
