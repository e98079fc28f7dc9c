import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { registerWasmBackend } from "../../src/runtime/backend-wasm.js";
import { linear } from "../../src/runtime/ops.js";

/** Deterministic values in [-1, 1) from a linear congruential generator. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Returns the product of two seeded matrices. */
function product(): Float32Array {
  const c = tf.tidy(() => {
    const a = tf.tensor2d(values(512 * 300, 1), [512, 300]);
    const b = tf.tensor2d(values(300 * 128, 2), [300, 128]);
    return tf.matMul(a, b);
  });
  const out = c.dataSync() as Float32Array;
  c.dispose();
  return out;
}

/** Runs three Adam steps of a two-layer MLP; returns the losses and weights. */
function trainMlp(): { losses: number[]; weights: Float32Array } {
  const batch = 256;
  const x = tf.tensor2d(values(batch * 64, 3), [batch, 64]);
  const labels = tf.tensor2d(
    Array.from(values(batch, 4), (v) => (v > 0 ? 1 : 0)),
    [batch, 1],
  );
  const w1 = tf.variable(tf.tensor2d(values(64 * 128, 5), [64, 128]).mul(0.1));
  const w2 = tf.variable(tf.tensor2d(values(128, 6), [128, 1]).mul(0.1));
  const optimizer = tf.train.adam(1e-3);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const loss = optimizer.minimize(
      () => {
        const hidden = tf.relu(linear(x, w1 as tf.Tensor2D));
        const logits = linear(hidden, w2 as tf.Tensor2D);
        return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
      },
      true,
      [w1, w2],
    );
    losses.push(loss!.dataSync()[0]);
    loss!.dispose();
  }
  const weights = w1.dataSync() as Float32Array;
  tf.dispose([x, labels, w1, w2]);
  optimizer.dispose();
  return { losses, weights };
}

describe("registerWasmBackend", () => {
  afterAll(async () => {
    await registerWasmBackend({ threads: 1 });
  });

  it("starts the threaded build with two threads", async () => {
    const info = await registerWasmBackend({ threads: 2 });
    expect(tf.getBackend()).toBe("wasm");
    expect(info.threads).toBe(2);
    expect(info.simd).toBe(true);
  });

  it("gives the same numbers threaded and single-threaded", async () => {
    await registerWasmBackend({ threads: 2 });
    const threadedProduct = product();
    const threadedTraining = trainMlp();

    const single = await registerWasmBackend({ threads: 1 });
    expect(single.threads).toBe(1);
    const singleProduct = product();
    const singleTraining = trainMlp();

    expect(Array.from(threadedProduct)).toEqual(Array.from(singleProduct));
    expect(threadedTraining.losses).toEqual(singleTraining.losses);
    expect(Array.from(threadedTraining.weights)).toEqual(
      Array.from(singleTraining.weights),
    );
    // The losses must move, or equal values would prove nothing.
    expect(singleTraining.losses[2]).not.toBe(singleTraining.losses[0]);
  });

  it("keeps the running backend without a count", async () => {
    const single = await registerWasmBackend({ threads: 1 });
    const kept = await registerWasmBackend();
    expect(kept).toBe(single);
    expect(kept.threads).toBe(1);
  });

  it("returns the running backend for the same thread count", async () => {
    const first = await registerWasmBackend({ threads: 2 });
    const again = await registerWasmBackend({ threads: 2 });
    expect(again).toBe(first);
  });
});
