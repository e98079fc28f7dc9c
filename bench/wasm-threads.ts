/**
 * Measures the threaded wasm build against the single-threaded one in one
 * process, alternating between them to cancel machine drift, and prints
 * one JSON line.
 *
 * usage: node --import tsx bench/wasm-threads.ts [rounds] [threads]
 *
 * Workloads: matMul [2048 x 600] x [600 x 256], and one training step of an
 * MLP 600 -> 256 -> 128 -> 1 on a [2048, 600] batch (forward, gradients,
 * Adam), each the median ms over the rounds.
 */
import * as tf from "@tensorflow/tfjs";

import { registerWasmBackend } from "../src/runtime/backend-wasm.js";
import { linear } from "../src/runtime/ops.js";

tf.env().set("PROD", true);

const rounds = Number(process.argv[2] ?? 5);
const threads = Number(process.argv[3] ?? 2);

function seeded(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

/** Returns the median ms of `repeats` calls of `f` after one warm-up call. */
function time(f: () => void, repeats: number): number {
  f();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    f();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function measure(): { matMulMs: number; mlpStepMs: number } {
  const a = tf.tensor2d(seeded(2048 * 600, 1), [2048, 600]);
  const b = tf.tensor2d(seeded(600 * 256, 2), [600, 256]);
  // The tidy returns nothing: a returned typed array would be walked
  // element by element as a tensor container, which costs more than the
  // product.
  const matMulMs = time(
    () =>
      tf.tidy(() => {
        tf.matMul(a, b).dataSync();
      }),
    5,
  );

  const w1 = tf.variable(tf.tensor2d(seeded(600 * 256, 3), [600, 256]));
  const w2 = tf.variable(tf.tensor2d(seeded(256 * 128, 4), [256, 128]));
  const w3 = tf.variable(tf.tensor2d(seeded(128, 5), [128, 1]));
  const y = tf.tensor2d(
    Array.from(seeded(2048, 6), (v) => (v > 0 ? 1 : 0)),
    [2048, 1],
  );
  const optimizer = tf.train.adam(1e-3);
  const mlpStepMs = time(() => {
    const loss = optimizer.minimize(
      () => {
        const h1 = tf.relu(linear(a, w1 as tf.Tensor2D));
        const h2 = tf.relu(linear(h1, w2 as tf.Tensor2D));
        const logits = linear(h2, w3 as tf.Tensor2D);
        return tf.losses.sigmoidCrossEntropy(y, logits) as tf.Scalar;
      },
      true,
      [w1, w2, w3],
    );
    loss!.dataSync();
    loss!.dispose();
  }, 5);
  tf.dispose([a, b, w1, w2, w3, y]);
  optimizer.dispose();
  return { matMulMs, mlpStepMs };
}

const results: Record<string, { matMulMs: number[]; mlpStepMs: number[] }> = {
  single: { matMulMs: [], mlpStepMs: [] },
  threaded: { matMulMs: [], mlpStepMs: [] },
};
let threadCount = 1;
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [1, threads] : [threads, 1];
  for (const n of order) {
    const info = await registerWasmBackend({ threads: n });
    if (n > 1) threadCount = info.threads;
    const m = measure();
    const key = n === 1 ? "single" : "threaded";
    results[key].matMulMs.push(m.matMulMs);
    results[key].mlpStepMs.push(m.mlpStepMs);
  }
}
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {
  threads: threadCount,
  rounds,
  matMul: {
    singleMs: median(results.single.matMulMs),
    threadedMs: median(results.threaded.matMulMs),
  },
  mlpStep: {
    singleMs: median(results.single.mlpStepMs),
    threadedMs: median(results.threaded.mlpStepMs),
  },
  samples: results,
};
process.stdout.write(JSON.stringify(summary) + "\n");
