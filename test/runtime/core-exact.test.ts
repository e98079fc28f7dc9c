import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { HierarchyIr, ModelIr } from "../../src/compiler/ir.js";
import { selectBackend } from "../../src/runtime/backend.js";
import { FeatureLayer } from "../../src/runtime/features.js";
import { bceFromLogits, weightedMean } from "../../src/runtime/heads.js";
import { ParamRegistry } from "../../src/runtime/params.js";
import { ResidualQuantizer } from "../../src/runtime/quantizer.js";
import { Random } from "../../src/runtime/random.js";
import { TEST_PRE, testIr } from "./network-fixtures.js";

const BACKENDS = ["cpu", "wasm"] as const;

/** A one-level, one-code quantizer trained by gradient, as in the STE check. */
function steHierarchy(beta: number): HierarchyIr {
  return {
    id: "h",
    view: "implicit",
    explicit: [],
    implicit: ["user"],
    viewLayers: [],
    levels: 1,
    codebookSize: 1,
    codeDim: 1,
    beta,
    update: { kind: "gradient", weight: 1 },
    codebooks: "shared",
    deadCodes: { reset: false, threshold: 1 },
    init: "random",
  };
}

/** Runs `loss = (zq - t)^2 + quantizer terms` for z = 1, e = 0, t = 3 and returns loss and gradients. */
function steCheck(beta: number): { loss: number; dz: number; de: number } {
  const params = new ParamRegistry(new Random(1));
  const quantizer = new ResidualQuantizer(
    steHierarchy(beta),
    params,
    new Random(2),
  );
  const codebook = quantizer.codebooks[0];
  codebook.assign(tf.tensor2d([[0]]));
  const z = tf.variable(tf.tensor2d([[1]]));
  const { value, grads } = tf.tidy(() => {
    const result = tf.engine().gradients(() => {
      const out = quantizer.forward(z, tf.ones([1]));
      const task = tf.sum(tf.square(tf.sub(out.hierarchy, 3)));
      return tf.add(task, quantizer.lossTerm(out)) as tf.Scalar;
    }, [z, codebook]);
    return { value: result.value, grads: result.grads };
  });
  const out = {
    loss: value.dataSync()[0],
    dz: grads[0].dataSync()[0],
    de: grads[1].dataSync()[0],
  };
  tf.dispose([value, ...grads, z]);
  quantizer.dispose();
  params.dispose();
  return out;
}

describe.each(BACKENDS)("core blocks on %s", (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => {});
  });

  it("computes stable BCE and its gradient", () => {
    const logits = tf.tensor1d([30, -30, 100, -100]);
    const labels = tf.tensor1d([0, 1, 1, 0]);
    const weights = tf.ones([4]) as tf.Tensor1D;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
      weightedMean(bceFromLogits(x as tf.Tensor1D, labels), weights),
    )(logits);
    expect(value.dataSync()[0]).toBeCloseTo(15, 5);
    const gradient = Array.from(grad.dataSync());
    expect(gradient.every(Number.isFinite)).toBe(true);
    expect(gradient[0]).toBeCloseTo(0.25, 6);
    expect(gradient[1]).toBeCloseTo(-0.25, 6);
    expect(gradient[2]).toBeCloseTo(0, 6);
    expect(gradient[3]).toBeCloseTo(0, 6);
    tf.dispose([logits, labels, weights, value, grad]);
  });

  it("sums duplicate embedding row gradients", () => {
    const ir: ModelIr = {
      ...testIr(),
      features: [testIr().features[0]],
      tables: [{ ...testIr().tables[0], dim: 2 }],
    };
    const layer = new FeatureLayer(
      ir,
      { ...TEST_PRE, tableRows: { user: 4 } },
      { kind: "sgd", lr: 1, momentum: 0 },
      new Random(3),
    );
    const batch = {
      size: 3,
      categorical: { user: Int32Array.of(1, 1, 3) },
      multi: {},
      numeric: {},
      scenario: new Int32Array(3),
      labels: {},
      weights: new Float32Array(3).fill(1),
    };
    const embeddings = tf.tensor2d(layer.gather(batch, true), [3, 2]);
    // The upstream gradient of sum(E) is all ones, computed on the backend.
    const upstream = tf.grad((e: tf.Tensor) => tf.sum(e))(embeddings);
    layer.backward(upstream.dataSync() as Float32Array);
    const table = layer.tables.get("user")!;
    const { rows, gradient } = table.pendingGradient();
    const dense = new Float32Array(8);
    rows.forEach((row, slot) =>
      dense.set(gradient.subarray(slot * 2, slot * 2 + 2), row * 2),
    );
    expect(Array.from(dense)).toEqual([0, 0, 2, 2, 0, 0, 1, 1]);
    tf.dispose([embeddings, upstream]);
  });

  it("passes the STE gradient and weights commitment by beta", () => {
    const withBeta = steCheck(0.25);
    expect(withBeta.loss).toBeCloseTo(10.25, 5);
    expect(withBeta.dz).toBeCloseTo(-5.5, 5);
    expect(withBeta.de).toBeCloseTo(-2.0, 5);
    const withoutBeta = steCheck(0);
    expect(withoutBeta.loss).toBeCloseTo(10.0, 5);
    expect(withoutBeta.dz).toBeCloseTo(-6.0, 5);
  });

  it("refines the residual over shared-codebook levels", () => {
    const params = new ParamRegistry(new Random(1));
    const quantizer = new ResidualQuantizer(
      {
        ...steHierarchy(0.25),
        levels: 2,
        codebookSize: 3,
        codeDim: 2,
        update: { kind: "ema", decay: 0.99, epsilon: 1e-5 },
      },
      params,
      new Random(2),
    );
    quantizer.codebooks[0].assign(
      tf.tensor2d([
        [1, 2],
        [0, 0],
        [0.5, 0.5],
      ]),
    );
    const out = tf.tidy(() => {
      const x = tf.tensor2d([[1.5, 2.5]]);
      const result = quantizer.forward(x, tf.ones([1]));
      return {
        codes: result.codes,
        hierarchy: result.hierarchy,
        finalResidual: tf.sub(x, result.hierarchy),
      };
    });
    expect(Array.from(out.codes.dataSync())).toEqual([0, 2]);
    expect(Array.from(out.hierarchy.dataSync())).toEqual([1.5, 2.5]);
    expect(Array.from(out.finalResidual.dataSync())).toEqual([0, 0]);
    tf.dispose([out.codes, out.hierarchy, out.finalResidual]);
    quantizer.dispose();
    params.dispose();
  });
});

describe.each(["cpu", "wasm"])("linear with bias on %s", (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => {});
  });

  it("matches matMul plus bias and its stock gradients", async () => {
    const { linear } = await import("../../src/runtime/ops.js");
    const random = new Random(9);
    const x = tf.tensor2d(random.fillNormal(new Float32Array(12), 1), [4, 3]);
    const w = tf.tensor2d(random.fillNormal(new Float32Array(6), 1), [3, 2]);
    const b = tf.tensor1d([0.5, -1]);
    const dy = tf.tensor2d(random.fillNormal(new Float32Array(8), 1), [4, 2]);
    const ours = tf.grads((x, w, b) =>
      tf.sum(
        tf.mul(
          linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
          dy,
        ),
      ),
    )([x, w, b]);
    const stock = tf.grads((x, w, b) =>
      tf.sum(
        tf.mul(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b), dy),
      ),
    )([x, w, b]);
    for (let i = 0; i < 3; i++) {
      const a = ours[i].dataSync();
      const e = stock[i].dataSync();
      for (let k = 0; k < e.length; k++) expect(a[k]).toBeCloseTo(e[k], 5);
    }
    const value = linear(x, w, b).dataSync();
    const expected = tf.add(tf.matMul(x, w), b).dataSync();
    for (let k = 0; k < expected.length; k++)
      expect(value[k]).toBeCloseTo(expected[k], 5);
  });
});
