import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmBackend } from "../../src/runtime/backend-wasm.js";
import {
  applyExperts,
  applyGateUnits,
  createExperts,
  createGateUnit,
} from "../../src/runtime/backbones/common.js";
import type {
  BackboneContext,
  BackboneInputs,
} from "../../src/runtime/backbones/types.js";
import { seededRandom } from "./backbones/helpers.js";

/** Creates a context whose `weight` fills every variable from one seeded stream. */
function createContext(seed: number): BackboneContext {
  const random = seededRandom(seed);
  return {
    weight(_name: string, shape: readonly number[]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => random() - 0.5);
      return tf.tidy(() => tf.variable(tf.tensor(values, [...shape])));
    },
  } as unknown as BackboneContext;
}

/**
 * Creates inputs whose dropout scales by a seeded mask and records the width of
 * every call, so two runs can be compared call by call.
 */
function createInputs(calls: number[]): BackboneInputs {
  const random = seededRandom(99);
  return {
    training: true,
    dropout(x: tf.Tensor2D) {
      calls.push(x.shape[1]);
      const mask = Float32Array.from({ length: x.size }, () =>
        random() < 0.25 ? 0 : 4 / 3,
      );
      return tf.mul(x, tf.tensor(mask, x.shape)) as tf.Tensor2D;
    },
  } as unknown as BackboneInputs;
}

/** Returns the values of `f(x)` and of the gradient of `sum(f(x)^2)` by `x`. */
function valueAndGradient(
  x: tf.Tensor2D,
  f: (x: tf.Tensor2D) => tf.Tensor2D[],
): { values: number[]; gradient: number[] } {
  return tf.tidy(() => {
    let outputs: tf.Tensor2D[] = [];
    const gradient = tf.grad((input: tf.Tensor) => {
      outputs = f(input as tf.Tensor2D).map((o) => tf.keep(o));
      return tf.addN(outputs.map((o) => tf.sum(tf.square(o))));
    })(x);
    const values = outputs.flatMap((o) => Array.from(o.dataSync()));
    tf.dispose(outputs);
    return { values, gradient: Array.from(gradient.dataSync()) };
  });
}

/** Expects two arrays to agree up to float32 rounding. */
function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  actual.forEach((value, i) => {
    const scale = Math.max(1, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(value - expected[i]) / scale);
  });
  expect(worst).toBeLessThan(1e-5);
}

describe("shared-input products", () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 1 });
  });

  it("runs experts like separate MLPs", () => {
    const style = { activation: "relu", dropout: 0.25, norm: "none" } as const;
    const experts = createExperts(createContext(3), "e", 3, 6, [5, 4], style);
    const random = seededRandom(5);
    const x = tf.tensor2d(
      Float32Array.from({ length: 8 * 6 }, () => random() * 2 - 1),
      [8, 6],
    );
    const separateCalls: number[] = [];
    const separateInputs = createInputs(separateCalls);
    const separate = valueAndGradient(x, (input) =>
      experts.map((expert) => expert.apply(input, separateInputs)),
    );
    const sharedCalls: number[] = [];
    const sharedInputs = createInputs(sharedCalls);
    const shared = valueAndGradient(x, (input) =>
      applyExperts(experts, input, sharedInputs),
    );
    // Dropout runs per expert in the same order: layer 0, then layer 1.
    expect(separateCalls).toEqual([5, 4, 5, 4, 5, 4]);
    expect(sharedCalls).toEqual(separateCalls);
    expectClose(shared.values, separate.values);
    expectClose(shared.gradient, separate.gradient);
    expect(separate.values.some((v) => v !== 0)).toBe(true);
    x.dispose();
  });

  it("runs gate units like separate units", () => {
    const context = createContext(4);
    // The context fills the output kernels with non-zero values too, so
    // the gates differ from exactly 1.
    const units = [3, 2].map((width, i) =>
      createGateUnit(context, `g${i}`, 5, 4, width),
    );
    const random = seededRandom(6);
    const x = tf.tensor2d(
      Float32Array.from({ length: 7 * 5 }, () => random() * 2 - 1),
      [7, 5],
    );
    const separate = valueAndGradient(x, (input) =>
      units.map((unit) => unit.apply(input)),
    );
    const shared = valueAndGradient(x, (input) => applyGateUnits(units, input));
    expectClose(shared.values, separate.values);
    expectClose(shared.gradient, separate.gradient);
    expect(separate.values.some((v) => v !== 1)).toBe(true);
    x.dispose();
  });
});
