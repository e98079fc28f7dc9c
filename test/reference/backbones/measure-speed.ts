/**
 * Measures one forward and backward pass of every backbone at training
 * size (B = 2048, E width 600, 6 scenarios, two tasks with [64] towers,
 * the first per scenario, s_D width 32) on the wasm backend, or on the
 * backend named by the first argument. Not a test: a check that no
 * backbone is unreasonably slow. It prints wall time and the process's CPU
 * time per step; the CPU time is the steadier number on a shared machine.
 * Usage: npx tsx test/reference/backbones/measure-speed.ts [wasm|cpu]
 */
import * as tf from "@tensorflow/tfjs";
import type { BackboneIr, TaskIr } from "../../../src/compiler/ir.js";
import { backbones } from "../../../src/runtime/backbones/index.js";
import {
  createInputs,
  createTestContext,
  seededRandom,
  useBackend,
} from "../../runtime/backbones/helpers.js";

const B = 2048;
const WIDTH = 600;
const SCENARIOS = 6;
const HIERARCHY = 32;
const STEPS = 5;

const tasks: TaskIr[] = [
  {
    id: "t0",
    name: "click",
    label: "c",
    loss: "bce",
    weight: 1,
    tower: [64],
    towers: "per_scenario",
  },
  {
    id: "t1",
    name: "like",
    label: "l",
    loss: "bce",
    weight: 1,
    tower: [64],
    towers: "shared",
  },
];
const base = {
  id: "b",
  activation: "relu",
  dropout: 0,
  norm: "none",
} as const;
const configs: BackboneIr[] = [
  {
    ...base,
    kind: "shared_bottom",
    hierarchyUse: "modulate",
    layers: [256, 128, 64],
  },
  {
    ...base,
    kind: "mmoe",
    hierarchyUse: "gates",
    experts: 4,
    expertLayers: [256, 128],
  },
  {
    ...base,
    kind: "ple",
    hierarchyUse: "gates",
    levels: 2,
    sharedExperts: 2,
    specificExperts: 1,
    expertLayers: [256, 128],
  },
  {
    ...base,
    kind: "star",
    hierarchyUse: "modulate_condition",
    layers: [256, 128, 64],
    partitionedNorm: true,
    auxiliaryLayers: [32],
  },
  {
    ...base,
    kind: "m2m",
    hierarchyUse: "modulate_condition",
    experts: 4,
    expertLayers: [256, 128],
    scenarioDim: 16,
    metaLayers: [64],
  },
  {
    ...base,
    kind: "apg",
    hierarchyUse: "modulate_condition",
    layers: [256, 128, 64],
    rank: 16,
    condition: "both",
    scenarioDim: 16,
  },
  {
    ...base,
    kind: "pepnet",
    hierarchyUse: "modulate_condition",
    layers: [256, 128, 64],
    epnet: true,
    ppnet: true,
    gateHidden: 64,
    epnetFeatures: ["tab"],
    ppnetFeatures: ["user_id", "item_id"],
    scenarioDim: 16,
  },
];

function randomMatrix(rows: number, cols: number, seed: number) {
  const random = seededRandom(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = 2 * random() - 1;
  return tf.tensor2d(values, [rows, cols]);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

await useBackend((process.argv[2] as "wasm" | "cpu" | undefined) ?? "wasm");
const scenario = Array.from({ length: B }, (_, i) => i % SCENARIOS);
for (const backbone of configs) {
  const context = createTestContext({
    scenarios: SCENARIOS,
    inputDim: WIDTH,
    hierarchyDim: HIERARCHY,
    featureSlices: {
      user_id: { offset: 0, width: 16 },
      item_id: { offset: 16, width: 16 },
      tab: { offset: 32, width: 16 },
    },
    backbone,
    tasks,
  });
  const model = backbones[backbone.kind](context);
  const e = tf.variable(randomMatrix(B, WIDTH, 1));
  const s = randomMatrix(B, HIERARCHY, 2);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let step = 0; step <= STEPS; step++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const { value, grads } = tf.variableGrads(() => {
      const inputs = createInputs(e, s, scenario, SCENARIOS, true);
      return tf.addN(model.forward(inputs).map((l) => tf.mean(l))) as tf.Scalar;
    });
    await value.data();
    await Promise.all(Object.values(grads).map((g) => g.data()));
    tf.dispose([value, grads]);
    if (step > 0) {
      times.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
  }
  const params = [...context.variables.values()].reduce(
    (n, v) => n + (v.trainable ? v.variable.size : 0),
    0,
  );
  process.stdout.write(
    `${tf.getBackend()}\t${backbone.kind}\t${mean(times).toFixed(0)} ms/step wall\t${mean(cpuTimes).toFixed(0)} ms/step CPU\t${params} weights\n`,
  );
  e.dispose();
  s.dispose();
  context.dispose();
}
