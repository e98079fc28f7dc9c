// Compares the runtime's core blocks with PyTorch goldens written by the
// scripts in test/reference/core (float64 there, float32 here).
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeatureIr, HierarchyIr, ModelIr } from "../../src/compiler/ir.js";
import { selectBackend } from "../../src/runtime/backend.js";
import { EmbeddingTable } from "../../src/runtime/embeddings.js";
import { FeatureLayer } from "../../src/runtime/features.js";
import { bceFromLogits, weightedMean } from "../../src/runtime/heads.js";
import { DenseOptimizer } from "../../src/runtime/optimizer.js";
import { ParamRegistry } from "../../src/runtime/params.js";
import { ResidualQuantizer } from "../../src/runtime/quantizer.js";
import { Random } from "../../src/runtime/random.js";
import { TEST_PRE, testIr } from "./network-fixtures.js";

/** Largest absolute difference allowed between float32 results and the float64 goldens. */
const TOLERANCE = 2e-5;

const goldenDirectory = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "golden",
  "core",
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function golden(name: string): { inputs: Json; outputs: Json } {
  return JSON.parse(
    readFileSync(path.join(goldenDirectory, `${name}.json`), "utf8"),
  );
}

function flat(values: Json): number[] {
  return Array.isArray(values) ? values.flat(Infinity as 1) : [values];
}

function expectClose(actual: ArrayLike<number>, expected: Json, label: string) {
  const want = flat(expected);
  expect(actual.length, label).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - want[i]));
  }
  expect(worst, label).toBeLessThan(TOLERANCE);
}

function quantizerIr(inputs: Json, threshold = 0): HierarchyIr {
  return {
    id: "h",
    view: "implicit",
    explicit: [],
    implicit: ["user"],
    viewLayers: [],
    levels: inputs.levels,
    codebookSize: inputs.codebookSize,
    codeDim: inputs.codeDim,
    beta: inputs.beta ?? 0.25,
    update:
      inputs.update === "gradient"
        ? { kind: "gradient", weight: inputs.codebookWeight }
        : {
            kind: "ema",
            decay: inputs.decay ?? 0.99,
            epsilon: inputs.epsilon ?? 1e-5,
          },
    codebooks: inputs.codebooks ?? "shared",
    deadCodes: { reset: threshold > 0, threshold },
    init: "random",
  };
}

describe.each(["cpu", "wasm"])("PyTorch goldens on %s", (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => {});
  });

  it("builds E and its table gradients", () => {
    const { inputs, outputs } = golden("features");
    const base = testIr();
    const features: FeatureIr[] = inputs.features.map((f: Json) =>
      f.kind === "numeric"
        ? {
            id: f.name,
            name: f.name,
            column: f.name,
            group: "g",
            kind: "numeric",
            missing: { policy: "zero" },
            transform: { kind: "none" },
          }
        : f.kind === "categorical"
          ? {
              id: f.name,
              name: f.name,
              column: f.name,
              group: "g",
              kind: "categorical",
              table: f.table,
              missing: "row",
            }
          : {
              id: f.name,
              name: f.name,
              column: f.name,
              group: "g",
              kind: "multi",
              table: f.table,
              separator: "|",
              pooling: f.pooling,
              maxLength: f.maxLength,
              missing: "row",
            },
    );
    const ir: ModelIr = {
      ...base,
      features,
      tables: Object.entries(inputs.tables).map(
        ([name, t]: [string, Json]) => ({
          id: name,
          name,
          dim: t.dim,
          vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
          features: [],
        }),
      ),
    };
    const rows = Object.fromEntries(
      Object.entries(inputs.tables).map(([name, t]: [string, Json]) => [
        name,
        t.rows,
      ]),
    );
    const layer = new FeatureLayer(
      ir,
      { ...TEST_PRE, tableRows: rows },
      { kind: "sgd", lr: 1, momentum: 0 },
      new Random(1),
    );
    for (const [name, t] of Object.entries(inputs.tables) as [string, Json][]) {
      layer.tables.get(name)!.values.set(flat(t.values));
    }
    const batch = {
      size: inputs.batch,
      categorical: Object.fromEntries(
        inputs.features
          .filter((f: Json) => f.kind === "categorical")
          .map((f: Json) => [f.name, Int32Array.from(f.ids)]),
      ),
      multi: Object.fromEntries(
        inputs.features
          .filter((f: Json) => f.kind === "multi")
          .map((f: Json) => [f.name, Int32Array.from(f.ids)]),
      ),
      numeric: Object.fromEntries(
        inputs.features
          .filter((f: Json) => f.kind === "numeric")
          .map((f: Json) => [f.name, Float32Array.from(f.values)]),
      ),
      scenario: new Int32Array(inputs.batch),
      labels: {},
      weights: new Float32Array(inputs.batch).fill(1),
    };
    expectClose(layer.gather(batch, true), outputs.embeddings, "E");
    layer.backward(Float32Array.from(flat(inputs.upstream)));
    for (const [name, expected] of Object.entries(outputs.tableGradients)) {
      const table = layer.tables.get(name)!;
      const dense = new Float32Array(table.rows * table.dim);
      const { rows: touched, gradient } = table.pendingGradient();
      touched.forEach((row, slot) =>
        dense.set(
          gradient.subarray(slot * table.dim, (slot + 1) * table.dim),
          row * table.dim,
        ),
      );
      expectClose(dense, expected, `gradient of ${name}`);
    }
  });

  it.each([
    "quantizer_shared_gradient",
    "quantizer_per_level_gradient",
    "quantizer_shared_ema",
  ])("matches the quantizer forward and gradients (%s)", (name) => {
    const { inputs, outputs } = golden(name);
    const params = new ParamRegistry(new Random(1));
    const quantizer = new ResidualQuantizer(
      quantizerIr(inputs),
      params,
      new Random(2),
    );
    quantizer.codebooks.forEach((book, b) =>
      book.assign(tf.tensor2d(inputs.codebook[b])),
    );
    const x = tf.variable(tf.tensor2d(inputs.x));
    const upstream = tf.tensor2d(inputs.upstream);
    const weights = tf.tensor1d(inputs.weights);
    let codes: tf.Tensor | null = null;
    let hierarchy: tf.Tensor | null = null;
    let commit: tf.Tensor | null = null;
    const { value, grads } = tf.engine().gradients(() => {
      const out = quantizer.forward(x, weights);
      codes = tf.keep(out.codes);
      hierarchy = tf.keep(out.hierarchy);
      commit = tf.keep(out.commitLoss);
      return tf.add(
        tf.sum(tf.mul(upstream, out.hierarchy)),
        quantizer.lossTerm(out),
      ) as tf.Scalar;
    }, [x, ...quantizer.codebooks]);
    expect(Array.from(codes!.dataSync())).toEqual(flat(outputs.codes));
    expectClose(hierarchy!.dataSync(), outputs.hierarchy, "hierarchy");
    expectClose(commit!.dataSync(), outputs.commitLoss, "commit");
    expectClose(value.dataSync(), outputs.loss, "loss");
    expectClose(grads[0].dataSync(), outputs.gradX, "dL/dx");
    if (outputs.gradCodebook !== undefined) {
      outputs.gradCodebook.forEach((expected: Json, b: number) =>
        expectClose(grads[1 + b].dataSync(), expected, `dL/dC${b}`),
      );
    }
    tf.dispose([
      x,
      upstream,
      weights,
      codes!,
      hierarchy!,
      commit!,
      value,
      ...grads.filter((g) => g !== undefined),
    ]);
    quantizer.dispose();
    params.dispose();
  });

  it("matches the EMA codebook update with a dead-code reset", () => {
    const { inputs, outputs } = golden("ema_update");
    const params = new ParamRegistry(new Random(1));
    const quantizer = new ResidualQuantizer(
      quantizerIr({ ...inputs, update: "ema" }, inputs.threshold),
      params,
      new Random(2),
    );
    params
      .get("hierarchy/codebook")!
      .variable.assign(tf.tensor2d(inputs.codebook));
    params
      .get("hierarchy/codebook/ema_sum")!
      .variable.assign(tf.tensor2d(inputs.emaSum));
    params
      .get("hierarchy/ema_count")!
      .variable.assign(tf.tensor2d(inputs.emaCount));
    tf.tidy(() => {
      const mask = tf.tensor1d(inputs.mask);
      const out = quantizer.forward(tf.tensor2d(inputs.x), mask);
      quantizer.updateStatistics(out, mask, [
        Int32Array.from(inputs.resetRows),
      ]);
    });
    expectClose(
      quantizer.codebooks[0].dataSync(),
      outputs.codebook,
      "codebook",
    );
    expectClose(
      params.get("hierarchy/codebook/ema_sum")!.variable.dataSync(),
      outputs.emaSum,
      "ema sum",
    );
    expectClose(
      params.get("hierarchy/ema_count")!.variable.dataSync(),
      outputs.emaCount,
      "ema count",
    );
    const stats = quantizer.readStats();
    expect(stats[0].resets).toBe(outputs.resets);
    const levelOne = flat(outputs.windowCounts[0]);
    expect(stats[0].usage).toBeCloseTo(
      levelOne.filter((c: number) => c > 0).length / levelOne.length,
      6,
    );
    quantizer.dispose();
    params.dispose();
  });

  it("matches weighted BCE from logits and its gradient", () => {
    const { inputs, outputs } = golden("bce");
    const labels = tf.tensor1d(inputs.labels);
    const weights = tf.tensor1d(inputs.weights);
    const logits = tf.tensor1d(inputs.logits);
    const { value, grad } = tf.valueAndGrad((l: tf.Tensor) =>
      weightedMean(bceFromLogits(l as tf.Tensor1D, labels), weights),
    )(logits);
    expectClose(value.dataSync(), outputs.loss, "loss");
    expectClose(grad.dataSync(), outputs.grad, "gradient");
    tf.dispose([labels, weights, logits, value, grad]);
  });

  it.each(["adam", "adagrad", "sgd"] as const)(
    "matches torch %s over three steps",
    (kind) => {
      const { inputs, outputs } = golden("optimizers");
      const settings =
        kind === "adam"
          ? { kind, ...inputs.adam }
          : kind === "adagrad"
            ? { kind, ...inputs.adagrad }
            : { kind, ...inputs.sgd };
      const params = new ParamRegistry(new Random(1));
      const weight = params.weight("w", [3, 2], "zeros");
      weight.assign(tf.tensor2d(inputs.weight));
      const optimizer = new DenseOptimizer(settings, params.trainable());
      inputs.grads.forEach((grad: Json, step: number) => {
        const g = tf.tensor2d(grad);
        optimizer.apply([g], settings.lr, 1);
        g.dispose();
        expectClose(weight.dataSync(), outputs[kind][step], `step ${step + 1}`);
      });
      optimizer.dispose();
      params.dispose();
    },
  );

  it("matches torch SparseAdam on touched rows", () => {
    const { inputs, outputs } = golden("optimizers");
    const table = new EmbeddingTable(
      "t",
      5,
      2,
      { kind: "adam", ...inputs.adam },
      new Random(1),
    );
    table.values.set(flat(inputs.table));
    inputs.sparseSteps.forEach((step: Json, k: number) => {
      const grads = Float32Array.from(flat(step.grads));
      step.rows.forEach((row: number, i: number) =>
        table.accumulate(row, grads, i * 2, 1),
      );
      table.applyUpdate(inputs.adam.lr, 1);
      expectClose(table.values, outputs.sparseAdam[k], `step ${k + 1}`);
    });
  });
});
