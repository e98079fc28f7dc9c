/**
 * Test-only stand-ins for the network around a backbone: a BackboneContext
 * that creates tf.variables from a seeded host generator, BackboneInputs
 * built from plain arrays, backend selection, and the golden fixture format
 * written by `test/reference/backbones/regenerate.sh`.
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { BackboneIr, ModelIr, TaskIr } from "../../../src/compiler/ir.js";
import type {
  BackboneContext,
  BackboneInputs,
  FeatureSlice,
  Initializer,
} from "../../../src/runtime/backbones/types.js";
import { oneHotFloat } from "../../../src/runtime/ops.js";

/** The shape of a model that a backbone needs, without the data parts. */
export interface BackboneCase {
  readonly scenarios: number;
  readonly inputDim: number;
  readonly hierarchyDim: number;
  readonly featureSlices: Readonly<Record<string, FeatureSlice>>;
  readonly backbone: BackboneIr;
  readonly tasks: readonly TaskIr[];
}

/** A weight or state created through the test context. */
export interface CreatedVariable {
  readonly variable: tf.Variable;
  readonly trainable: boolean;
  readonly init: Initializer;
}

/** A BackboneContext that records every variable it creates, by name. */
export interface TestContext extends BackboneContext {
  readonly variables: Map<string, CreatedVariable>;
  dispose(): void;
}

/** Returns a mulberry32 generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function initialValues(
  shape: readonly number[],
  init: Initializer,
  random: () => number,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const fanIn = shape.length >= 2 ? shape[shape.length - 2] : shape[0];
  const fanOut = shape[shape.length - 1];
  const uniform = (limit: number) => {
    for (let i = 0; i < size; i++) values[i] = (2 * random() - 1) * limit;
  };
  if (init === "zeros") return values;
  if (init === "ones") return values.fill(1);
  if (init === "glorot_uniform") uniform(Math.sqrt(6 / (fanIn + fanOut)));
  else if (init === "he_uniform") uniform(Math.sqrt(6 / fanIn));
  else if (init.kind === "uniform") uniform(init.limit);
  else {
    for (let i = 0; i < size; i++) {
      // Box-Muller on two host draws.
      const u = Math.max(random(), 1e-12);
      values[i] =
        init.std *
        Math.sqrt(-2 * Math.log(u)) *
        Math.cos(2 * Math.PI * random());
    }
  }
  return values;
}

/** Builds the minimal ModelIr a backbone reads: `backbone` and `tasks`. */
export function modelIrFor(spec: BackboneCase): ModelIr {
  return {
    irVersion: 1,
    kind: "model",
    id: "test",
    name: "test",
    features: [],
    groups: [],
    tables: [],
    hierarchy: null,
    backbone: spec.backbone,
    tasks: spec.tasks,
  } as unknown as ModelIr;
}

/** Creates a test context whose initializers draw from `seed`. */
export function createTestContext(spec: BackboneCase, seed = 1): TestContext {
  const random = seededRandom(seed);
  const variables = new Map<string, CreatedVariable>();
  const create = (
    name: string,
    shape: readonly number[],
    init: Initializer,
    trainable: boolean,
  ) => {
    if (variables.has(name)) throw new Error(`duplicate weight name ${name}`);
    const values = initialValues(shape, init, random);
    const variable = tf.variable(
      tf.tensor(values, [...shape]),
      trainable,
      `${name}_${seed}_${variables.size}_${Math.floor(random() * 1e9)}`,
    );
    variables.set(name, { variable, trainable, init });
    return variable;
  };
  return {
    ir: modelIrFor(spec),
    scenarios: spec.scenarios,
    inputDim: spec.inputDim,
    hierarchyDim: spec.hierarchyDim,
    featureSlices: spec.featureSlices,
    variables,
    weight: (name, shape, init) => create(name, shape, init, true),
    state: (name, shape, init) => create(name, shape, init, false),
    dispose() {
      for (const { variable } of variables.values()) variable.dispose();
      variables.clear();
    },
  };
}

/** Plain-array inputs of one forward pass. */
export interface ArrayInputs {
  readonly embeddings: number[][];
  readonly hierarchy: number[][] | null;
  readonly scenario: number[];
}

/** Builds BackboneInputs; dropout draws its masks from `seed`. */
export function createInputs(
  embeddings: tf.Tensor2D,
  hierarchy: tf.Tensor2D | null,
  scenario: number[],
  scenarios: number,
  training: boolean,
  seed = 7,
): BackboneInputs {
  const random = seededRandom(seed);
  const scenarioTensor = tf.tensor1d(scenario, "int32");
  return {
    embeddings,
    hierarchy,
    scenario: scenarioTensor,
    scenarioOneHot: tf
      .oneHot(scenarioTensor, scenarios)
      .toFloat() as tf.Tensor2D,
    training,
    dropout(x, rate) {
      if (!training || rate === 0) return x;
      const size = x.size;
      const mask = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        mask[i] = random() < rate ? 0 : 1 / (1 - rate);
      }
      return tf.mul(x, tf.tensor(mask, x.shape)) as tf.Tensor2D;
    },
  };
}

let wasmReady = false;

/** Switches tfjs to `cpu` or `wasm` (loading the wasm binaries from the package). */
export async function useBackend(name: "cpu" | "wasm"): Promise<void> {
  if (name === "wasm" && !wasmReady) {
    const require = createRequire(import.meta.url);
    const binary = require.resolve(
      "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    );
    setWasmPaths(path.dirname(binary) + path.sep);
    wasmReady = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}

/** A weight in a fixture: its shape and row-major values. */
export interface FixtureTensor {
  readonly shape: number[];
  readonly values: number[];
}

/** The input half of a golden file, written by `make-inputs.ts`. */
export interface FixtureInput {
  readonly case: string;
  readonly config: BackboneCase & { readonly training: boolean };
  readonly inputs: ArrayInputs;
  /** dL/dlogit per task, `[T][B]`; the loss is `sum_t sum_b upstream * logit`. */
  readonly upstream: number[][];
  readonly weights: Record<string, FixtureTensor & { trainable: boolean }>;
}

/** A golden file: the inputs plus what the PyTorch reference computed. */
export interface GoldenFixture extends FixtureInput {
  readonly generatedBy: string;
  readonly command: string;
  readonly torchVersion: string;
  readonly expected: {
    readonly logits: number[][];
    /** dL/dw for every trainable weight, flattened row-major. */
    readonly gradients: Record<string, number[]>;
    readonly embeddingsGradient: number[];
    readonly hierarchyGradient: number[] | null;
    /** State values after the forward pass (batch-norm moving averages). */
    readonly states: Record<string, number[]>;
  };
}

/**
 * Measures how far `actual` is from `expected`: the largest absolute
 * difference divided by `max(1, max |expected|)`.
 */
export function scaledError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  if (actual.length !== expected.length) {
    throw new Error(
      `length mismatch: ${actual.length} values against ${expected.length}`,
    );
  }
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/** The outputs of one forward and backward pass, as plain arrays. */
export interface PassResult {
  readonly logits: number[][];
  readonly gradients: Record<string, number[]>;
  readonly embeddingsGradient: number[];
  readonly hierarchyGradient: number[] | null;
  readonly states: Record<string, number[]>;
}

/**
 * Builds the fixture's backbone with the fixture's weights, runs one
 * forward pass and back-propagates `sum_t sum_b upstream * logit` to every
 * weight, `E` and `s_D`.
 */
export function runFixture(
  fixture: FixtureInput,
  factory: (context: BackboneContext) => {
    forward(inputs: BackboneInputs): tf.Tensor1D[];
  },
): PassResult {
  const spec = fixture.config;
  const context = createTestContext(spec);
  try {
    const backbone = factory(context);
    const created = [...context.variables.keys()].sort();
    const stored = Object.keys(fixture.weights).sort();
    if (created.join("\n") !== stored.join("\n")) {
      throw new Error(
        `weight names differ: backbone has ${created.join(", ")}; ` +
          `fixture has ${stored.join(", ")}`,
      );
    }
    for (const [name, { variable }] of context.variables) {
      const w = fixture.weights[name];
      variable.assign(tf.tensor(w.values, w.shape));
    }
    let result: PassResult | null = null;
    tf.tidy(() => {
      const e = tf.variable(tf.tensor2d(fixture.inputs.embeddings));
      const s =
        fixture.inputs.hierarchy === null
          ? null
          : tf.variable(tf.tensor2d(fixture.inputs.hierarchy));
      const trainable = [...context.variables.entries()].filter(
        ([, v]) => v.trainable,
      );
      const upstream = fixture.upstream.map((row) => tf.tensor1d(row));
      let logits: number[][] = [];
      const { grads } = tf.variableGrads(() => {
        const inputs = createInputs(
          e,
          s,
          fixture.inputs.scenario,
          spec.scenarios,
          spec.training,
        );
        const outputs = backbone.forward(inputs);
        logits = outputs.map((l) => Array.from(l.dataSync()));
        return tf.addN(
          outputs.map((l, t) => tf.sum(tf.mul(l, upstream[t]))),
        ) as tf.Scalar;
      }, [...trainable.map(([, v]) => v.variable), e, ...(s ? [s] : [])]);
      result = {
        logits,
        gradients: Object.fromEntries(
          trainable.map(([name, v]) => [
            name,
            Array.from(grads[v.variable.name].dataSync()),
          ]),
        ),
        embeddingsGradient: Array.from(grads[e.name].dataSync()),
        hierarchyGradient: s ? Array.from(grads[s.name].dataSync()) : null,
        states: Object.fromEntries(
          [...context.variables.entries()]
            .filter(([, v]) => !v.trainable)
            .map(([name, v]) => [name, Array.from(v.variable.dataSync())]),
        ),
      };
      e.dispose();
      s?.dispose();
    });
    return result as unknown as PassResult;
  } finally {
    context.dispose();
  }
}
