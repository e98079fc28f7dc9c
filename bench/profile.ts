/**
 * Profiles training steps of one KuaiRand model: time per tfjs kernel
 * (from `tf.profile`) and the host share of a step, for finding what
 * dominates. Prints a table to stdout.
 *
 * usage: node --import tsx bench/profile.ts compiled|handwritten MODEL [steps]
 */
import * as tf from "@tensorflow/tfjs";

import { registerWasmBackend } from "../src/runtime/backend-wasm.js";
import { createNetwork } from "../src/runtime/network.js";
import { buildHandwritten } from "./handwritten/models.js";
import {
  compileKuairand,
  dataFile,
  readBatches,
  twinLayout,
} from "./lib/kuairand.js";

const [system, model, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 3);
await registerWasmBackend({ threads: Number(process.env.WASM_THREADS ?? 2) });
tf.env().set("PROD", true);
const ir = await compileKuairand(model);
const { dataset, batches } = await readBatches(
  ir,
  dataFile(),
  ir.train.batchSize,
  steps + 2,
);
let step: (i: number) => void;
if (system === "compiled") {
  const network = await createNetwork(ir, dataset.preprocessing, {
    backend: "wasm",
    seed: 1,
  });
  step = (i) => network.trainStep(batches[i]);
} else {
  const twin = buildHandwritten(twinLayout(ir, dataset, batches.length));
  step = (i) => twin.trainStep(batches[i]);
}
step(0);
step(1);

const byKernel = new Map<string, { ms: number; calls: number }>();
const byShape = new Map<string, { ms: number; calls: number }>();
let wallMs = 0;
let kernelMs = 0;
for (let i = 0; i < steps; i++) {
  const start = performance.now();
  const info = await tf.profile(() => step(i + 2));
  wallMs += performance.now() - start;
  for (const k of info.kernels) {
    const ms = (await k.kernelTimeMs) as number;
    kernelMs += ms;
    const a = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    a.ms += ms;
    a.calls++;
    byKernel.set(k.name, a);
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const b = byShape.get(key) ?? { ms: 0, calls: 0 };
    b.ms += ms;
    b.calls++;
    byShape.set(key, b);
  }
}
const write = (line: string) => process.stdout.write(line + "\n");
write(
  `${system} ${model}: ${(wallMs / steps).toFixed(0)} ms/step wall (profiled), ` +
    `${(kernelMs / steps).toFixed(0)} ms/step in kernels, ` +
    `${((kernelMs / wallMs) * 100).toFixed(0)}% of wall`,
);
const top = (map: Map<string, { ms: number; calls: number }>, n: number) =>
  [...map.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n);
write("by kernel (ms/step, calls/step):");
for (const [name, v] of top(byKernel, 15)) {
  write(
    `  ${(v.ms / steps).toFixed(1).padStart(8)}  ${String(v.calls / steps).padStart(5)}  ${name}`,
  );
}
write("by kernel and input shapes:");
for (const [name, v] of top(byShape, Number(process.env.PROFILE_TOP ?? 15))) {
  write(
    `  ${(v.ms / steps).toFixed(1).padStart(8)}  ${String(v.calls / steps).padStart(5)}  ${name}`,
  );
}
