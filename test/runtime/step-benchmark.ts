// Measures one training step at batch 2048 on a KuaiRand-sized model:
// 24 categorical features and one multi-value feature of width 16, four
// numeric features (E is 404 wide), user and video tables of 27,000 and
// 7,600 rows. Run: node node_modules/vite-node/vite-node.mjs
// test/runtime/step-benchmark.ts [backend] [variants] [steps] [threads],
// variants from dnn, hmdn_dnn, mmoe, hmdn_mmoe (HMDN: D 6, K 32, dim 32),
// threads of the wasm backend (all cores when absent).
import * as tf from "@tensorflow/tfjs";
import { createNetwork } from "../../src/runtime/network.js";
import { testIr } from "./network-fixtures.js";
import { Random } from "../../src/runtime/random.js";
import type { ModelIr } from "../../src/compiler/ir.js";

function kuaiIr(variant: string): {
  ir: ModelIr;
  rows: Record<string, number>;
} {
  const base = testIr();
  const cats: [string, number][] = [
    ["user_id", 27000],
    ["user_active_degree", 8],
    ["is_live_streamer", 4],
    ["is_video_author", 4],
    ["follow_user_num_range", 10],
    ["fans_user_num_range", 10],
    ["friend_user_num_range", 10],
    ["register_days_range", 10],
  ];
  for (let i = 0; i < 8; i++) cats.push([`onehot_feat${i}`, 50]);
  cats.push(
    ["video_id", 7600],
    ["author_id", 6000],
    ["music_id", 4000],
    ["video_type", 4],
    ["upload_type", 20],
    ["music_type", 10],
    ["tab", 16],
    ["hourmin", 100],
  );
  const features: any[] = cats.map(([name]) => ({
    id: name,
    name,
    column: name,
    group: "g",
    kind: "categorical",
    table: name,
    missing: "row",
  }));
  features.push({
    id: "tag",
    name: "tag",
    column: "tag",
    group: "g",
    kind: "multi",
    table: "tag",
    separator: "|",
    pooling: "mean",
    maxLength: 3,
    missing: "row",
  });
  for (const n of [
    "follow_user_num",
    "fans_user_num",
    "register_days",
    "video_duration",
  ])
    features.push({
      id: n,
      name: n,
      column: n,
      group: "g",
      kind: "numeric",
      missing: { policy: "zero" },
      transform: { kind: "log1p" },
    });
  const tables: any[] = [
    ...cats.map(([name]) => ({
      id: name,
      name,
      dim: 16,
      vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
      features: [name],
    })),
    {
      id: "tag",
      name: "tag",
      dim: 16,
      vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
      features: ["tag"],
    },
  ];
  const rows: Record<string, number> = Object.fromEntries(
    cats.map(([n, r]) => [n, r]),
  );
  rows.tag = 70;
  const hierarchy = variant.startsWith("hmdn")
    ? {
        id: "h",
        view: "implicit",
        explicit: [],
        implicit: features.map((f) => f.name),
        levels: 6,
        codebookSize: 32,
        codeDim: 32,
        beta: 0.25,
        update: { kind: "ema", decay: 0.99, epsilon: 1e-5 },
        codebooks: "shared",
        deadCodes: { reset: true, threshold: 1 },
        init: "kmeans++",
      }
    : null;
  const backbone = variant.endsWith("mmoe")
    ? {
        id: "b",
        kind: "mmoe",
        activation: "relu",
        dropout: 0,
        norm: "none",
        hierarchyUse: hierarchy ? "gates" : "off",
        experts: 4,
        expertLayers: [256, 128],
      }
    : {
        id: "b",
        kind: "shared_bottom",
        activation: "relu",
        dropout: 0,
        norm: "none",
        hierarchyUse: "off",
        layers: [256, 128, 64],
      };
  const ir = {
    ...base,
    features,
    tables,
    hierarchy,
    backbone,
    tasks: [
      {
        id: "t",
        name: "click",
        label: "click",
        loss: "bce",
        weight: 1,
        tower: [64],
        towers: "per_scenario",
      },
    ],
    train: { ...base.train, l2: 0 },
  } as unknown as ModelIr;
  return { ir, rows };
}

function batchFor(
  ir: ModelIr,
  rows: Record<string, number>,
  size: number,
  seed: number,
) {
  const r = new Random(seed);
  const categorical: Record<string, Int32Array> = {};
  const multi: Record<string, Int32Array> = {};
  const numeric: Record<string, Float32Array> = {};
  for (const f of ir.features) {
    if (f.kind === "categorical")
      categorical[f.name] = Int32Array.from({ length: size }, () =>
        r.nextInt(rows[f.table]),
      );
    else if (f.kind === "multi")
      multi[f.name] = Int32Array.from({ length: size * 3 }, () =>
        r.nextInt(rows[f.table]),
      );
    else
      numeric[f.name] = Float32Array.from({ length: size }, () =>
        r.nextFloat(),
      );
  }
  return {
    size,
    categorical,
    multi,
    numeric,
    scenario: Int32Array.from({ length: size }, () => r.nextInt(5)),
    labels: {
      click: Float32Array.from({ length: size }, () =>
        r.nextFloat() < 0.3 ? 1 : 0,
      ),
    },
    weights: new Float32Array(size).fill(1),
  };
}

const [
  backend = "wasm",
  variantList = "dnn,hmdn_dnn,mmoe,hmdn_mmoe",
  stepText = "10",
  threadText,
] = process.argv.slice(2);
const cpuMilliseconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
for (const variant of variantList.split(",")) {
  const { ir, rows } = kuaiIr(variant);
  const pre = {
    vocabularies: {},
    tableRows: rows,
    numericStats: {},
    scenarios: ["a", "b", "c", "d", "e"],
  };
  const network = await createNetwork(ir, pre, {
    backend,
    wasmThreads: threadText === undefined ? undefined : Number(threadText),
  });
  const batches = Array.from({ length: 4 }, (_, i) =>
    batchFor(ir, rows, 2048, i),
  );
  for (let i = 0; i < 3; i++) network.trainStep(batches[i % 4]);
  const steps = Number(stepText);
  const wall = performance.now();
  const cpu = cpuMilliseconds();
  for (let i = 0; i < steps; i++) network.trainStep(batches[i % 4]);
  const stepMs = (performance.now() - wall) / steps;
  const cpuMs = (cpuMilliseconds() - cpu) / steps;
  const predictWall = performance.now();
  for (let i = 0; i < steps; i++) network.predict(batches[i % 4]);
  const predictMs = (performance.now() - predictWall) / steps;
  process.stdout.write(
    `${network.backend} ${variant}: step ${stepMs.toFixed(1)} ms wall (${((2048 / stepMs) * 1000).toFixed(0)} samples/s), ${cpuMs.toFixed(1)} ms cpu; predict ${predictMs.toFixed(1)} ms; ${tf.memory().numTensors} tensors\n`,
  );
  network.dispose();
}
