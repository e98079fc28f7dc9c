/**
 * Times training of one KuaiRand model by one tfjs system, in its own
 * process, and prints one JSON line. `bench/run.ts` spawns it.
 *
 * usage: node --import tsx bench/train-child.ts compiled|handwritten MODEL
 *          [--batch N] [--threads N] [--warmup STEPS] [--windows N]
 *          [--steps STEPS] [--experts N] [--levels D] [--rows N]
 *
 * `--experts` and `--levels` change the MMoE expert count and the
 * quantization depth of the compiled IR; `--rows` replaces the user_id
 * table with one of N rows (ids spread over it), for the vocabulary sweep.
 */
import { parseArgs } from "node:util";

import * as tf from "@tensorflow/tfjs";

import type { ModelIr } from "../src/compiler/ir.js";
import { registerWasmBackend } from "../src/runtime/backend-wasm.js";
import { createNetwork } from "../src/runtime/network.js";
import type { Batch, Preprocessing } from "../src/runtime/types.js";
import { buildHandwritten } from "./handwritten/models.js";
import {
  compileKuairand,
  dataFile,
  readBatches,
  twinLayout,
  withBatchSize,
} from "./lib/kuairand.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: "string" },
    threads: { type: "string", default: "2" },
    warmup: { type: "string", default: "5" },
    windows: { type: "string", default: "5" },
    steps: { type: "string", default: "8" },
    experts: { type: "string" },
    levels: { type: "string" },
    rows: { type: "string" },
    batches: { type: "string", default: "16" },
  },
});
const [system, model] = positionals;
if ((system !== "compiled" && system !== "handwritten") || !model) {
  process.stderr.write(
    "usage: train-child.ts compiled|handwritten MODEL [options]\n",
  );
  process.exit(1);
}

const wasm = await registerWasmBackend({ threads: Number(values.threads) });
tf.env().set("PROD", true);

let ir: ModelIr = await compileKuairand(model);
if (values.batch !== undefined) ir = withBatchSize(ir, Number(values.batch));
if (values.experts !== undefined && ir.backbone.kind === "mmoe") {
  ir = { ...ir, backbone: { ...ir.backbone, experts: Number(values.experts) } };
}
if (values.levels !== undefined && ir.hierarchy !== null) {
  ir = { ...ir, hierarchy: { ...ir.hierarchy, levels: Number(values.levels) } };
}
const { dataset, batches } = await readBatches(
  ir,
  dataFile(),
  ir.train.batchSize,
  Number(values.batches),
);
let pre: Preprocessing = dataset.preprocessing;
let trainBatches: Batch[] = batches;
if (values.rows !== undefined) {
  const rows = Number(values.rows);
  pre = { ...pre, tableRows: { ...pre.tableRows, user_id: rows } };
  // Spread the ids over the whole table, as a vocabulary of that size would.
  trainBatches = batches.map((batch) => {
    const ids = new Int32Array(batch.size);
    for (let i = 0; i < batch.size; i++) {
      ids[i] =
        2 + (((batch.categorical.user_id[i] * 2654435761) >>> 0) % (rows - 2));
    }
    return { ...batch, categorical: { ...batch.categorical, user_id: ids } };
  });
}
const rssAfterLoad = process.memoryUsage().rss;

let step: (batch: Batch) => number;
let dispose: () => void;
if (system === "compiled") {
  const network = await createNetwork(ir, pre, { backend: "wasm", seed: 1 });
  step = (batch) => network.trainStep(batch).loss;
  dispose = () => network.dispose();
} else {
  const layout = {
    ...twinLayout(ir, dataset, trainBatches.length),
    features: twinLayout(ir, dataset, trainBatches.length).features.map((f) =>
      f.name === "user_id" ? { ...f, rows: pre.tableRows.user_id } : f,
    ),
  };
  const twin = buildHandwritten(layout);
  step = (batch) => twin.trainStep(batch);
  dispose = () => twin.dispose();
}

let next = 0;
const run = () => step(trainBatches[next++ % trainBatches.length]);
const warmup = Number(values.warmup);
for (let i = 0; i < warmup; i++) run();
/** Returns the RSS in bytes after a full collection when `--expose-gc` is on. */
const retainedRss = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};
const rssAfterWarmup = retainedRss();
const tensorsAfterWarmup = tf.memory().numTensors;
const rates: number[] = [];
// Samples per second of process CPU time: on a loaded machine the wall
// clock rate depends on the other processes, this one much less.
const cpuRates: number[] = [];
/** RSS in MiB after each timed window, after a collection. */
const windowRss: number[] = [];
let loss = 0;
for (let w = 0; w < Number(values.windows); w++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < Number(values.steps); i++) loss = run();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const samples = Number(values.steps) * ir.train.batchSize;
  rates.push(samples / seconds);
  cpuRates.push(samples / ((cpu.user + cpu.system) / 1e6));
  windowRss.push(retainedRss() / 2 ** 20);
}
const rssEnd = retainedRss();
const sorted = [...rates].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
process.stdout.write(
  JSON.stringify({
    system,
    model,
    batchSize: ir.train.batchSize,
    samplesPerSecond: median,
    windows: rates,
    samplesPerCpuSecond: [...cpuRates].sort((a, b) => a - b)[
      Math.floor(cpuRates.length / 2)
    ],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: {
      afterLoad: rssAfterLoad / 2 ** 20,
      afterWarmup: rssAfterWarmup / 2 ** 20,
      end: rssEnd / 2 ** 20,
      windows: windowRss,
      collected: typeof (globalThis as { gc?: unknown }).gc === "function",
    },
    tensors: { afterWarmup: tensorsAfterWarmup, end: tf.memory().numTensors },
    finalLoss: loss,
    backend: tf.getBackend(),
    wasmThreads: wasm.threads,
    simd: wasm.simd,
    ...(values.experts ? { experts: Number(values.experts) } : {}),
    ...(values.levels ? { levels: Number(values.levels) } : {}),
    ...(values.rows ? { rows: Number(values.rows) } : {}),
  }) + "\n",
);
dispose();
