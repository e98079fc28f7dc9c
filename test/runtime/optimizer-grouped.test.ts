import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainIr } from "../../src/compiler/ir.js";
import { registerWasmBackend } from "../../src/runtime/backend-wasm.js";
import { DenseOptimizer } from "../../src/runtime/optimizer.js";
import type { ParamEntry } from "../../src/runtime/params.js";
import { Random } from "../../src/runtime/random.js";

const SHAPES: readonly number[][] = [[5, 3], [3], [4, 2], [2], [7]];

/** Seeded values in [-1, 1). */
function values(random: Random, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => random.nextFloat() * 2 - 1);
}

/** Creates the weights of `SHAPES` with the same seeded values every time. */
function createWeights(): ParamEntry[] {
  const random = new Random(7);
  return SHAPES.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return {
      name: `layer_${i}`,
      variable: tf.tidy(() =>
        tf.variable(tf.tensor(values(random, size), shape)),
      ),
      trainable: true,
      regularized: false,
    };
  });
}

/**
 * Runs four updates: all gradients, one weight without a gradient, a
 * clipping factor, and all gradients again. Returns every weight and slot.
 */
function train(
  optimizer: TrainIr["optimizer"],
  grouped: boolean,
): Record<string, number[]> {
  const weights = createWeights();
  const dense = new DenseOptimizer(optimizer, weights, { grouped });
  const random = new Random(11);
  const steps: { missing: number | null; scale: number }[] = [
    { missing: null, scale: 1 },
    { missing: 2, scale: 1 },
    { missing: null, scale: 0.5 },
    { missing: null, scale: 1 },
  ];
  for (const { missing, scale } of steps) {
    const grads = SHAPES.map((shape, i) =>
      i === missing
        ? null
        : tf.tensor(
            values(
              random,
              shape.reduce((a, b) => a * b, 1),
            ),
            shape,
          ),
    );
    dense.apply(grads, 0.01, scale);
    tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
  }
  const out: Record<string, number[]> = {};
  for (const entry of weights) {
    out[entry.name] = Array.from(entry.variable.dataSync());
  }
  for (const [name, slot] of dense.slots) {
    out[name] = Array.from(slot.dataSync());
  }
  dense.dispose();
  for (const entry of weights) entry.variable.dispose();
  return out;
}

const OPTIMIZERS: Record<string, TrainIr["optimizer"]> = {
  adam: { kind: "adam", lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  adagrad: { kind: "adagrad", lr: 0.01, initialAccumulator: 0.1 },
  momentum: { kind: "sgd", lr: 0.01, momentum: 0.9 },
  sgd: { kind: "sgd", lr: 0.01, momentum: 0 },
};

describe("grouped dense optimizer", () => {
  let tensorsBefore = 0;
  beforeAll(async () => {
    await registerWasmBackend({ threads: 1 });
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  for (const [kind, optimizer] of Object.entries(OPTIMIZERS)) {
    it(`matches per-weight ${kind} bit for bit`, () => {
      const grouped = train(optimizer, true);
      const perWeight = train(optimizer, false);
      expect(Object.keys(grouped)).toEqual(Object.keys(perWeight));
      for (const name of Object.keys(perWeight)) {
        expect(grouped[name], name).toEqual(perWeight[name]);
      }
      // The weights must have moved, or equal values would prove nothing.
      const fresh = createWeights();
      const initial = Array.from(fresh[0].variable.dataSync());
      for (const entry of fresh) entry.variable.dispose();
      expect(grouped.layer_0).not.toEqual(initial);
    });
  }

  it("takes an Adam first step of about lr * sign(g)", () => {
    const weight = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -0.25, 1])));
    const entry = {
      name: "w",
      variable: weight,
      trainable: true,
      regularized: false,
    };
    const second = tf.tidy(() => tf.variable(tf.tensor1d([2])));
    const dense = new DenseOptimizer(OPTIMIZERS.adam, [
      entry,
      { ...entry, name: "b", variable: second },
    ]);
    const grads = [tf.tensor1d([0.3, -2, 0.001]), tf.tensor1d([-1])];
    dense.apply(grads, 0.01, 1);
    const moved = Array.from(weight.dataSync());
    expect(moved[0]).toBeCloseTo(0.49, 6);
    expect(moved[1]).toBeCloseTo(-0.24, 6);
    expect(moved[2]).toBeCloseTo(0.99, 4);
    expect(second.dataSync()[0]).toBeCloseTo(2.01, 6);
    const m = Array.from(dense.slots.get("optimizer/w/m")!.dataSync());
    expect(m[1]).toBeCloseTo(-0.2, 6);
    tf.dispose([weight, second, ...grads]);
    dense.dispose();
  });
});
