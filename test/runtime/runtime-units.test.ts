import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import type { TrainIr } from "../../src/compiler/ir.js";
import { BackendError, selectBackend } from "../../src/runtime/backend.js";
import {
  createNetwork,
  NonFiniteLossError,
} from "../../src/runtime/network.js";
import { clipFactor, learningRate } from "../../src/runtime/optimizer.js";
import { Random } from "../../src/runtime/random.js";
import type { Batch } from "../../src/runtime/types.js";
import {
  TEST_HIERARCHY,
  TEST_PRE,
  testBatch,
  testIr,
  testSharedBottom,
} from "./network-fixtures.js";

describe("selectBackend", () => {
  it("picks wasm when tfjs-node is absent and logs once", async () => {
    const messages: string[] = [];
    await selectBackend("cpu", (m) => messages.push(m));
    expect(await selectBackend(undefined, (m) => messages.push(m))).toBe(
      "wasm",
    );
    expect(await selectBackend(undefined, (m) => messages.push(m))).toBe(
      "wasm",
    );
    expect(messages).toEqual(["backend: cpu", "backend: wasm"]);
  });

  it("rejects an unknown backend name", async () => {
    await expect(selectBackend("webgpu", () => {})).rejects.toThrow(
      /unknown backend "webgpu": expected one of tensorflow, wasm, cpu/,
    );
  });

  it("names the package a missing native backend needs", async () => {
    const attempt = selectBackend("tensorflow", () => {});
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(selectBackend("tensorflow", () => {})).rejects.toThrow(
      /install @tensorflow\/tfjs-node/,
    );
  });
});

describe("Random", () => {
  it("repeats its sequence for a seed and resumes from a saved state", () => {
    const a = new Random(42);
    const b = new Random(42);
    const first = [a.nextUint32(), a.nextUint32()];
    expect([b.nextUint32(), b.nextUint32()]).toEqual(first);
    const saved = a.getState();
    const next = [a.nextFloat(), a.nextFloat()];
    const c = new Random(1);
    c.setState(saved);
    expect([c.nextFloat(), c.nextFloat()]).toEqual(next);
  });

  it("draws floats in [0, 1) with a mean near one half", () => {
    const random = new Random(3);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const value = random.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.01);
  });
});

describe("learning rate schedules", () => {
  const train = (schedule: TrainIr["schedule"]): TrainIr => ({
    ...testIr().train,
    optimizer: { kind: "sgd", lr: 0.1, momentum: 0 },
    schedule,
  });

  it("keeps a constant rate", () => {
    expect(learningRate(train({ kind: "constant" }), 500, null)).toBe(0.1);
  });

  it("warms up linearly then follows the cosine to the minimum", () => {
    const ir = train({ kind: "cosine", warmupSteps: 10, minLr: 0.01 });
    expect(learningRate(ir, 0, 110)).toBeCloseTo(0.01, 10);
    expect(learningRate(ir, 9, 110)).toBeCloseTo(0.1, 10);
    expect(learningRate(ir, 60, 110)).toBeCloseTo(0.055, 10);
    expect(learningRate(ir, 110, 110)).toBeCloseTo(0.01, 10);
  });

  it("multiplies by gamma every interval for the step schedule", () => {
    const ir = train({ kind: "step", every: 100, gamma: 0.5 });
    expect(learningRate(ir, 99, null)).toBeCloseTo(0.1, 10);
    expect(learningRate(ir, 250, null)).toBeCloseTo(0.025, 10);
  });

  it("decays continuously for the exponential schedule", () => {
    const ir = train({ kind: "exponential", every: 100, gamma: 0.5 });
    expect(learningRate(ir, 50, null)).toBeCloseTo(0.1 * Math.SQRT1_2, 10);
  });
});

describe("gradient clipping", () => {
  it("scales a gradient down to the maximum global norm", () => {
    expect(clipFactor(25, 1)).toBeCloseTo(0.2, 10);
    expect(clipFactor(0.25, 1)).toBe(1);
    expect(clipFactor(1e6, null)).toBe(1);
  });
});

/** Returns `batch` with `extra` rows of weight 0 and arbitrary labels appended. */
function withIgnoredRows(batch: Batch, extra: Batch): Batch {
  const join = <T extends Int32Array | Float32Array>(a: T, b: T): T => {
    const out = new (a.constructor as new (n: number) => T)(
      a.length + b.length,
    );
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  const record = <T extends Int32Array | Float32Array>(
    a: Readonly<Record<string, T>>,
    b: Readonly<Record<string, T>>,
  ) => Object.fromEntries(Object.keys(a).map((k) => [k, join(a[k], b[k])]));
  return {
    size: batch.size + extra.size,
    categorical: record(batch.categorical, extra.categorical),
    multi: record(batch.multi, extra.multi),
    numeric: record(batch.numeric, extra.numeric),
    scenario: join(batch.scenario, extra.scenario),
    labels: record(batch.labels, extra.labels),
    weights: join(batch.weights, new Float32Array(extra.size)),
  };
}

describe("sample weights", () => {
  it("leaves rows of weight 0 out of losses and updates", async () => {
    const options = { backend: "cpu", backbone: testSharedBottom };
    const ir = testIr({ hierarchy: TEST_HIERARCHY });
    const plain = await createNetwork(ir, TEST_PRE, options);
    const padded = await createNetwork(ir, TEST_PRE, options);
    for (let i = 0; i < 3; i++) {
      const batch = testBatch(24, 700 + i);
      const a = plain.trainStep(batch);
      const b = padded.trainStep(withIgnoredRows(batch, testBatch(8, 800 + i)));
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(b.commitLoss!).toBeCloseTo(a.commitLoss!, 5);
    }
    const probe = testBatch(8, 900);
    const a = plain.predict(probe).click;
    const b = padded.predict(probe).click;
    for (let i = 0; i < 8; i++) expect(b[i]).toBeCloseTo(a[i], 5);
    plain.dispose();
    padded.dispose();
  });
});

describe("seeded initialisation", () => {
  it("gives equal weights for one seed and different ones for another", async () => {
    const options = { backend: "cpu", backbone: testSharedBottom };
    const a = await createNetwork(testIr(), TEST_PRE, { ...options, seed: 5 });
    const b = await createNetwork(testIr(), TEST_PRE, { ...options, seed: 5 });
    const c = await createNetwork(testIr(), TEST_PRE, { ...options, seed: 6 });
    const name = "backbone/bottom/kernel";
    const values = (n: typeof a) => Array.from(n.getState()[name].values);
    expect(values(b)).toEqual(values(a));
    expect(values(c)).not.toEqual(values(a));
    expect(Array.from(b.getState()["embedding/user"].values)).toEqual(
      Array.from(a.getState()["embedding/user"].values),
    );
    [a, b, c].forEach((n) => n.dispose());
  });

  it("initialises the codebook from the first batch", async () => {
    const network = await createNetwork(
      testIr({
        hierarchy: {
          ...TEST_HIERARCHY,
          deadCodes: { reset: false, threshold: 1 },
        },
      }),
      TEST_PRE,
      { backend: "cpu", backbone: testSharedBottom },
    );
    const before = network.getState()["hierarchy/codebook"].values.slice();
    network.trainStep(testBatch(32, 1));
    const stats = network.readQuantizerStats();
    expect(stats.map((s) => s.level)).toEqual([1, 2]);
    // k-means++ picks distinct rows, so at least two codes are used at level 1.
    expect(stats[0].usage).toBeGreaterThanOrEqual(0.5);
    expect(
      Array.from(network.getState()["hierarchy/codebook"].values),
    ).not.toEqual(Array.from(before));
    expect(tf.memory().numTensors).toBeGreaterThan(0);
    network.dispose();
  });
});

describe("non-finite loss", () => {
  it("raises NonFiniteLossError and changes no weight", async () => {
    const network = await createNetwork(testIr(), TEST_PRE, {
      backend: "cpu",
      backbone: testSharedBottom,
    });
    const batch = testBatch(16, 1);
    const poisoned = {
      ...batch,
      numeric: { watch: new Float32Array(16).fill(Number.NaN) },
    };
    const before = network.getState();
    expect(() => network.trainStep(poisoned)).toThrow(NonFiniteLossError);
    const after = network.getState();
    for (const name of Object.keys(before)) {
      expect(Array.from(after[name].values), name).toEqual(
        Array.from(before[name].values),
      );
    }
    expect(network.step).toBe(0);
    expect(network.trainStep(batch).loss).toBeGreaterThan(0);
    network.dispose();
  });
});

describe("gradient-trained codebooks", () => {
  it("update per-level codebooks through the optimizer", async () => {
    const hierarchy = {
      ...TEST_HIERARCHY,
      codebooks: "per_level" as const,
      update: { kind: "gradient" as const, weight: 1 },
      init: "random" as const,
    };
    const network = await createNetwork(testIr({ hierarchy }), TEST_PRE, {
      backend: "wasm",
      backbone: testSharedBottom,
    });
    network.trainStep(testBatch(32, 1));
    const after1 = Array.from(
      network.getState()["hierarchy/codebook_1"].values,
    );
    let result = network.trainStep(testBatch(32, 2));
    for (let i = 0; i < 5; i++)
      result = network.trainStep(testBatch(32, 3 + i));
    const state = network.getState();
    expect(Object.keys(state)).toContain("optimizer/hierarchy/codebook_1/m");
    expect(Array.from(state["hierarchy/codebook_1"].values)).not.toEqual(
      after1,
    );
    expect(Number.isFinite(result.commitLoss!)).toBe(true);
    const codes = network.assignCodes(testBatch(4, 9))!;
    expect(codes).toHaveLength(8);
    for (const code of codes) expect(code >= 0 && code < 4).toBe(true);
    network.dispose();
  });
});

describe("ParamRegistry", () => {
  it("rejects a duplicate weight name", async () => {
    const { ParamRegistry } = await import("../../src/runtime/params.js");
    const registry = new ParamRegistry(new Random(1));
    registry.weight("backbone/kernel", [2, 2], "glorot_uniform");
    expect(() => registry.state("backbone/kernel", [2], "zeros")).toThrow(
      'weight "backbone/kernel" is already registered',
    );
    expect(registry.all().map((entry) => entry.name)).toEqual([
      "backbone/kernel",
    ]);
    registry.dispose();
  });

  it("regularizes kernels but not biases or ones-initialised weights", async () => {
    const { ParamRegistry } = await import("../../src/runtime/params.js");
    const registry = new ParamRegistry(new Random(1));
    registry.weight("kernel", [2, 2], "glorot_uniform");
    registry.weight("bias", [2], "zeros");
    registry.weight("scale", [2, 2], "ones");
    registry.state("moving", [2, 2], "zeros");
    const regularized = registry
      .all()
      .filter((entry) => entry.regularized)
      .map((entry) => entry.name);
    expect(regularized).toEqual(["kernel"]);
    registry.dispose();
  });
});

describe("batch checks", () => {
  it("rejects a multi-value array of the wrong length", async () => {
    const network = await createNetwork(testIr(), TEST_PRE, {
      backend: "cpu",
      backbone: testSharedBottom,
    });
    const batch = testBatch(8, 1);
    const short = { ...batch, multi: { tags: new Int32Array(20).fill(-1) } };
    expect(() => network.trainStep(short)).toThrow(
      'batch has 20 multi-value values for feature "tags", expected 24',
    );
    expect(() => network.predict({ ...batch, numeric: {} })).toThrow(
      'batch has no numeric values for feature "watch"',
    );
    network.dispose();
  });
});

describe("DenseOptimizer.resetRows", () => {
  it("clears the Adam slots of the given rows only", async () => {
    const { ParamRegistry } = await import("../../src/runtime/params.js");
    const { DenseOptimizer } = await import("../../src/runtime/optimizer.js");
    const registry = new ParamRegistry(new Random(1));
    const codebook = registry.weight("codebook", [3, 2], "ones", false);
    const optimizer = new DenseOptimizer(
      { kind: "adam", lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      registry.trainable(),
    );
    const gradient = tf.ones([3, 2]);
    optimizer.apply([gradient], 0.1, 1);
    const rows = tf.tensor1d([false, true, false], "bool");
    optimizer.resetRows(codebook, rows);
    const m = Array.from(
      optimizer.slots.get("optimizer/codebook/m")!.dataSync(),
    );
    expect(m.map((value) => Number(value.toFixed(6)))).toEqual([
      0.1, 0.1, 0, 0, 0.1, 0.1,
    ]);
    tf.dispose([gradient, rows]);
    optimizer.dispose();
    registry.dispose();
  });
});
