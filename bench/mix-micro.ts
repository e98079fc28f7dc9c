/**
 * Times ways of mixing expert outputs with softmax gates (forward and
 * gradient) on the wasm backend: the MMoE shape of the KuaiRand bench,
 * 4 experts of width 128, 6 gates, batch 2048. Prints median ms per
 * variant and the largest difference from the per-expert form.
 *
 * usage: node --import tsx bench/mix-micro.ts [rounds]
 */
import * as tf from "@tensorflow/tfjs";

import { registerWasmBackend } from "../src/runtime/backend-wasm.js";

await registerWasmBackend({ threads: 2 });
tf.env().set("PROD", true);
const rounds = Number(process.argv[2] ?? 15);
const B = 2048;
const n = 4;
const d = 128;
const gates = 6;

const experts = Array.from({ length: n }, () =>
  tf.variable(tf.randomNormal([B, d]) as tf.Tensor2D),
);
const logits = Array.from({ length: gates }, () =>
  tf.variable(tf.randomNormal([B, n]) as tf.Tensor2D),
);
const expandValues = new Float32Array(n * n * d);
for (let i = 0; i < n; i++)
  for (let j = 0; j < d; j++) expandValues[i * n * d + i * d + j] = 1;
const expand = tf.tensor2d(expandValues, [n, n * d]);
const expandT = tf.transpose(expand) as tf.Tensor2D;

const expandGate = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return {
    value: tf.matMul(w as tf.Tensor2D, expand),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, expandT),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** A block sum `[B, n * d] -> [B, d]` with the given forward and gradient. */
function blockSum(
  forward: (p: tf.Tensor) => tf.Tensor,
  gradient: (dy: tf.Tensor) => tf.Tensor,
): (p: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((p: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return { value: forward(p), gradFunc: gradient };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (
    p: tf.Tensor,
  ) => tf.Tensor;
}

// Tiling `dy` is the natural gradient, but the wasm `Tile` kernel is slow.
const blockSumReshape = blockSum(
  (p) => tf.sum(tf.reshape(p, [B, n, d]), 1),
  (dy) => tf.tile(dy, [1, n]),
);
const blockSumConcatGrad = blockSum(
  (p) => tf.addN(tf.split(p, n, 1)),
  (dy) =>
    tf.concat(
      Array.from({ length: n }, () => dy),
      1,
    ),
);

type Mix = (w: tf.Tensor2D, f: tf.Tensor2D[], wide: tf.Tensor2D) => tf.Tensor;

const variants: Record<string, { wide: boolean; mix: Mix }> = {
  perExpert: {
    wide: false,
    mix: (w, f) => {
      const columns = tf.split(w, n, 1);
      return tf.addN(f.map((e, i) => tf.mul(columns[i], e)));
    },
  },
  wideReshapeSum: {
    wide: true,
    mix: (w, _f, wide) =>
      blockSumReshape(tf.mul(wide, expandGate(w) as tf.Tensor2D)),
  },
  wideSliceSumConcatGrad: {
    wide: true,
    mix: (w, _f, wide) =>
      blockSumConcatGrad(tf.mul(wide, expandGate(w) as tf.Tensor2D)),
  },
  wideGateSlices: {
    wide: false,
    mix: (w, f) => {
      const g = tf.split(expandGate(w) as tf.Tensor2D, n, 1);
      return tf.addN(f.map((e, i) => tf.mul(g[i], e)));
    },
  },
};

function run(name: string): { ms: number; out: Float32Array } {
  const { wide, mix } = variants[name];
  let out: Float32Array = new Float32Array();
  const start = performance.now();
  tf.tidy(() => {
    const loss = () => {
      const f = experts.map((e) => tf.relu(e)) as tf.Tensor2D[];
      const w = f.length && wide ? (tf.concat(f, 1) as tf.Tensor2D) : f[0];
      const terms = logits.map((l) =>
        tf.sum(tf.square(mix(tf.softmax(l), f, w) as tf.Tensor2D)),
      );
      return tf.addN(terms) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(loss);
    const parts = [value, ...Object.values(grads).map((g) => tf.sum(g))];
    out = tf.stack(parts).dataSync() as Float32Array;
  });
  return { ms: performance.now() - start, out };
}

const names = Object.keys(variants);
const times: Record<string, number[]> = {};
for (const name of names) {
  run(name);
  times[name] = [];
}
const reference = run("perExpert").out;
for (let r = 0; r < rounds; r++) {
  for (const name of names) times[name].push(run(name).ms);
}
for (const name of names) {
  const sorted = [...times[name]].sort((a, b) => a - b);
  const out = run(name).out;
  let diff = 0;
  out.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - reference[i]) / (1 + Math.abs(v)));
  });
  process.stdout.write(
    `${name.padEnd(24)} ${sorted[Math.floor(rounds / 2)].toFixed(1).padStart(7)} ms  rel diff ${diff.toExponential(1)}\n`,
  );
}
