import * as tf from "@tensorflow/tfjs";
import type { HierarchyIr, ModelIr } from "../../src/compiler/ir.js";
import type { BackboneFactory } from "../../src/runtime/backbones/types.js";
import { linear } from "../../src/runtime/ops.js";
import { Random } from "../../src/runtime/random.js";
import type { Batch, Preprocessing } from "../../src/runtime/types.js";

/** A quantizer setting used by the network tests. */
export const TEST_HIERARCHY: HierarchyIr = {
  id: "h",
  view: "both",
  explicit: ["gender", "age"],
  implicit: ["user", "item", "tags", "age", "watch"],
  viewLayers: [],
  levels: 2,
  codebookSize: 4,
  codeDim: 3,
  beta: 0.25,
  update: { kind: "ema", decay: 0.9, epsilon: 1e-5 },
  codebooks: "shared",
  deadCodes: { reset: true, threshold: 1 },
  init: "kmeans++",
};

/**
 * A small model: user and item ids, a shared tag table read by a
 * multi-value feature and by a categorical one, a numeric feature and two
 * tasks.
 */
export function testIr(
  overrides: {
    hierarchy?: HierarchyIr | null;
    dropout?: number;
    train?: Partial<ModelIr["train"]>;
  } = {},
): ModelIr {
  const feature = (name: string, table: string, group: string) => ({
    id: `f.${name}`,
    name,
    column: name,
    group,
    kind: "categorical" as const,
    table,
    missing: "row" as const,
  });
  return {
    irVersion: 1,
    kind: "model",
    id: "m",
    name: "test",
    dataset: {
      id: "d",
      name: "d",
      source: {
        path: "/nonexistent.csv",
        delimiter: ",",
        missingValues: [""],
        badRows: "error",
      },
      scenario: { column: "tab", top: null, minRows: 1 },
      populations: [],
      split: { kind: "random", seed: 1, valid: 0.1, test: 0.1 },
    },
    features: [
      feature("user", "user", "user"),
      feature("gender", "gender", "user"),
      feature("item", "item", "item"),
      {
        id: "f.tags",
        name: "tags",
        column: "tags",
        group: "item",
        kind: "multi",
        table: "tag",
        separator: "|",
        pooling: "mean",
        maxLength: 3,
        missing: "row",
      },
      feature("age", "tag", "user"),
      {
        id: "f.watch",
        name: "watch",
        column: "watch",
        group: "item",
        kind: "numeric",
        missing: { policy: "zero" },
        transform: { kind: "log1p" },
      },
    ],
    groups: [],
    tables: [
      {
        id: "t.user",
        name: "user",
        dim: 4,
        vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
        features: ["user"],
      },
      {
        id: "t.gender",
        name: "gender",
        dim: 2,
        vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
        features: ["gender"],
      },
      {
        id: "t.item",
        name: "item",
        dim: 4,
        vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
        features: ["item"],
      },
      {
        id: "t.tag",
        name: "tag",
        dim: 3,
        vocabulary: { kind: "vocabulary", minCount: 1, maxSize: null },
        features: ["tags", "age"],
      },
    ],
    hierarchy: overrides.hierarchy === undefined ? null : overrides.hierarchy,
    backbone: {
      id: "b",
      kind: "shared_bottom",
      activation: "relu",
      dropout: overrides.dropout ?? 0,
      norm: "none",
      hierarchyUse: "off",
      layers: [8],
    },
    tasks: [
      {
        id: "t1",
        name: "click",
        label: "click",
        loss: "bce",
        weight: 1,
        tower: [],
        towers: "shared",
      },
      {
        id: "t2",
        name: "like",
        label: "like",
        loss: "bce",
        weight: 0.5,
        tower: [],
        towers: "shared",
      },
    ],
    train: {
      optimizer: {
        kind: "adam",
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
      },
      schedule: { kind: "constant" },
      batchSize: 16,
      epochs: 1,
      maxSteps: null,
      seed: 7,
      l2: 1e-4,
      gradClip: null,
      earlyStopping: null,
      checkpoint: { everySteps: null, keep: 1 },
      ...overrides.train,
    },
    evaluate: {
      metrics: ["auc"],
      gaucBy: null,
      perScenario: false,
      batchSize: 16,
    },
  };
}

/** Table sizes for `testIr`. */
export const TEST_PRE: Preprocessing = {
  vocabularies: {},
  tableRows: { user: 12, gender: 4, item: 10, tag: 9 },
  numericStats: {},
  scenarios: ["a", "b", "c"],
};

/** A deterministic batch for `testIr`; labels depend on the ids so training can learn. */
export function testBatch(size: number, seed: number): Batch {
  const random = new Random(seed);
  const user = new Int32Array(size);
  const gender = new Int32Array(size);
  const item = new Int32Array(size);
  const age = new Int32Array(size);
  const tags = new Int32Array(size * 3).fill(-1);
  const watch = new Float32Array(size);
  const scenario = new Int32Array(size);
  const click = new Float32Array(size);
  const like = new Float32Array(size);
  const weights = new Float32Array(size).fill(1);
  for (let i = 0; i < size; i++) {
    user[i] = random.nextInt(12);
    gender[i] = 2 + random.nextInt(2);
    item[i] = random.nextInt(10);
    age[i] = 2 + random.nextInt(7);
    const count = random.nextInt(4);
    for (let k = 0; k < count; k++) tags[i * 3 + k] = 2 + random.nextInt(7);
    watch[i] = random.nextFloat() * 2;
    scenario[i] = random.nextInt(3);
    click[i] = (user[i] + item[i]) % 3 === 0 ? 1 : 0;
    like[i] = gender[i] === 2 ? 1 : 0;
  }
  return {
    size,
    categorical: { user, gender, item, age },
    multi: { tags },
    numeric: { watch },
    scenario,
    labels: { click, like },
    weights,
  };
}

/** A shared-bottom backbone for the tests, independent of the backbone module. */
export const testSharedBottom: BackboneFactory = (context) => {
  const width = 8;
  const kernel = context.weight(
    "backbone/bottom/kernel",
    [context.inputDim + context.hierarchyDim, width],
    "glorot_uniform",
  );
  const bias = context.weight("backbone/bottom/bias", [width], "zeros");
  const heads = context.ir.tasks.map((task) => ({
    kernel: context.weight(
      `tower/${task.name}/kernel`,
      [width, 1],
      "glorot_uniform",
    ),
    bias: context.weight(`tower/${task.name}/bias`, [1], "zeros"),
  }));
  return {
    forward(inputs) {
      const input =
        inputs.hierarchy === null
          ? inputs.embeddings
          : tf.concat([inputs.embeddings, inputs.hierarchy], 1);
      const hidden = inputs.dropout(
        tf.relu(
          tf.add(linear(input, kernel as tf.Tensor2D), bias),
        ) as tf.Tensor2D,
        context.ir.backbone.dropout,
      );
      return heads.map(
        (head) =>
          tf.reshape(
            tf.add(linear(hidden, head.kernel as tf.Tensor2D), head.bias),
            [-1],
          ) as tf.Tensor1D,
      );
    },
  };
};
