/**
 * Backbone properties that hold for any weights: gates start at exactly 1,
 * per-scenario towers route each row to its own tower, and repeated
 * training passes leak no tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BackboneIr } from "../../../src/compiler/ir.js";
import { createGateUnit } from "../../../src/runtime/backbones/common.js";
import { backbones } from "../../../src/runtime/backbones/index.js";
import { type NamedCase, cases } from "../../reference/backbones/cases.js";
import {
  createInputs,
  createTestContext,
  seededRandom,
  useBackend,
} from "./helpers.js";

const KINDS = Object.keys(backbones) as BackboneIr["kind"][];

function caseNamed(name: string): NamedCase {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name}`);
  return found;
}

function randomMatrix(rows: number, cols: number, seed: number): tf.Tensor2D {
  const random = seededRandom(seed);
  const values = Array.from({ length: rows * cols }, () => 2 * random() - 1);
  return tf.tensor2d(values, [rows, cols]);
}

const SCENARIO_OF_ROW = [0, 1, 2, 0, 2, 1, 1, 0];

/** Runs a forward pass of `spec` on fixed random rows; returns logits per task. */
function forwardLogits(
  spec: NamedCase,
  prepare: (context: ReturnType<typeof createTestContext>) => void,
  seed = 3,
): number[][] {
  const context = createTestContext(spec, seed);
  try {
    const backbone = backbones[spec.backbone.kind](context);
    prepare(context);
    return tf.tidy(() => {
      const rows = SCENARIO_OF_ROW.length;
      const inputs = createInputs(
        randomMatrix(rows, spec.inputDim, 11),
        spec.hierarchyDim > 0
          ? randomMatrix(rows, spec.hierarchyDim, 12)
          : null,
        SCENARIO_OF_ROW,
        spec.scenarios,
        false,
      );
      return backbone.forward(inputs).map((l) => Array.from(l.dataSync()));
    });
  } finally {
    context.dispose();
  }
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`backbone properties on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });
    afterAll(async () => {
      await useBackend("cpu");
    });

    test("gate unit starts at exactly 1", () => {
      const spec = caseNamed("pepnet_plain");
      const context = createTestContext(spec);
      const gate = createGateUnit(context, "g", 7, 5, 9);
      const values = tf.tidy(() =>
        Array.from(gate.apply(randomMatrix(8, 7, 5)).dataSync()),
      );
      context.dispose();
      expect(values).toEqual(new Array(8 * 9).fill(1));
    });

    // Each pair: a backbone with gates at their initial values, and the same
    // backbone without those gates; shared weights are copied by name.
    const gatedPairs: [string, NamedCase, NamedCase][] = [];
    for (const spec of cases) {
      if (!KINDS.includes(spec.backbone.kind)) continue;
      if (spec.backbone.hierarchyUse === "modulate") {
        const off = {
          ...spec,
          hierarchyDim: 0,
          backbone: { ...spec.backbone, hierarchyUse: "off" },
        } as NamedCase;
        gatedPairs.push([`${spec.name} against no modulation`, spec, off]);
      }
    }
    const pep = caseNamed("pepnet_plain");
    gatedPairs.push([
      "pepnet_plain against no EPNet and no PPNet",
      pep,
      {
        ...pep,
        backbone: { ...pep.backbone, epnet: false, ppnet: false },
      } as NamedCase,
    ]);

    for (const [label, gated, plain] of gatedPairs) {
      test(`initial gates keep logits: ${label}`, () => {
        const saved = new Map<string, tf.Tensor>();
        const gatedLogits = forwardLogits(gated, (context) => {
          for (const [name, v] of context.variables) {
            saved.set(name, tf.clone(v.variable));
          }
        });
        const plainLogits = forwardLogits(plain, (context) => {
          for (const [name, v] of context.variables) {
            const value = saved.get(name);
            if (!value) throw new Error(`${name} missing from the gated model`);
            v.variable.assign(value);
          }
        });
        saved.forEach((t) => t.dispose());
        expect(gatedLogits).toEqual(plainLogits);
      });
    }

    for (const kind of KINDS) {
      test(`${kind} routes each row to its scenario tower`, () => {
        const spec = cases.find((c) => c.backbone.kind === kind) as NamedCase;
        const logits = forwardLogits(spec, (context) => {
          for (const [name, v] of context.variables) {
            const inClick = name.startsWith("backbone/tower/click/");
            const inAuxiliary = name.startsWith("backbone/auxiliary/");
            if ((inClick && name.endsWith("/kernel")) || inAuxiliary) {
              v.variable.assign(tf.zerosLike(v.variable));
            }
          }
          for (let scenario = 0; scenario < 3; scenario++) {
            const name = `backbone/tower/click/scenario_${scenario}/logit/bias`;
            const bias = context.variables.get(name);
            if (!bias) throw new Error(`${name} was not created`);
            bias.variable.assign(tf.tensor1d([10 * (scenario + 1)]));
          }
        });
        expect(logits[0]).toEqual(SCENARIO_OF_ROW.map((p) => 10 * (p + 1)));
      });
    }

    test("training passes leak no tensors", () => {
      for (const kind of KINDS) {
        const spec = [...cases]
          .reverse()
          .find((c) => c.backbone.kind === kind) as NamedCase;
        const batchNorm = {
          ...spec,
          backbone: { ...spec.backbone, norm: "batch" },
        } as NamedCase;
        const context = createTestContext(batchNorm);
        const backbone = backbones[kind](context);
        const e = tf.variable(randomMatrix(8, spec.inputDim, 1));
        const s =
          spec.hierarchyDim > 0
            ? tf.variable(randomMatrix(8, spec.hierarchyDim, 2))
            : null;
        const counts: number[] = [];
        for (let pass = 0; pass < 20; pass++) {
          const { value, grads } = tf.variableGrads(() => {
            const inputs = createInputs(e, s, SCENARIO_OF_ROW, 3, true);
            return tf.addN(
              backbone.forward(inputs).map((l) => tf.sum(l)),
            ) as tf.Scalar;
          });
          value.dispose();
          tf.dispose(grads);
          counts.push(tf.memory().numTensors);
        }
        e.dispose();
        s?.dispose();
        context.dispose();
        expect(counts[19], kind).toBe(counts[0]);
      }
    });
  });
}

describe("backbone configuration", () => {
  beforeAll(async () => {
    await useBackend("cpu");
  });

  const rejected: [string, NamedCase, RegExp][] = [
    [
      "mmoe rejects condition",
      {
        ...caseNamed("mmoe_gates"),
        backbone: {
          ...caseNamed("mmoe_gates").backbone,
          hierarchyUse: "condition",
        },
      } as NamedCase,
      /backbone mmoe does not support hierarchy use "condition"/,
    ],
    [
      "shared_bottom rejects gates",
      {
        ...caseNamed("shared_bottom_modulate"),
        backbone: {
          ...caseNamed("shared_bottom_modulate").backbone,
          hierarchyUse: "gates",
        },
      } as NamedCase,
      /backbone shared_bottom does not support hierarchy use "gates"/,
    ],
    [
      "mmoe rejects zero experts",
      {
        ...caseNamed("mmoe_plain"),
        backbone: { ...caseNamed("mmoe_plain").backbone, experts: 0 },
      } as NamedCase,
      /backbone mmoe: experts must be an integer of at least 1, got 0/,
    ],
    [
      "apg rejects a use without hierarchy",
      { ...caseNamed("apg_condition"), hierarchyDim: 0 },
      /uses the hierarchy \("condition"\) but the model has no hierarchy/,
    ],
  ];
  for (const [label, spec, message] of rejected) {
    test(label, () => {
      const context = createTestContext(spec);
      try {
        expect(() => backbones[spec.backbone.kind](context)).toThrow(message);
      } finally {
        context.dispose();
      }
    });
  }

  test("dropout runs only in training", () => {
    for (const kind of KINDS) {
      const found = cases.find((c) => c.backbone.kind === kind) as NamedCase;
      const spec = {
        ...found,
        backbone: { ...found.backbone, dropout: 0.25 },
      } as NamedCase;
      const context = createTestContext(spec);
      const backbone = backbones[kind](context);
      for (const training of [true, false]) {
        const rates: number[] = [];
        tf.tidy(() => {
          const inputs = createInputs(
            randomMatrix(4, spec.inputDim, 1),
            spec.hierarchyDim > 0
              ? randomMatrix(4, spec.hierarchyDim, 2)
              : null,
            [0, 1, 2, 0],
            spec.scenarios,
            training,
          );
          backbone.forward({
            ...inputs,
            dropout: (x, rate) => {
              rates.push(rate);
              return x;
            },
          });
        });
        if (training) {
          expect(rates.length, kind).toBeGreaterThan(0);
          expect(new Set(rates), kind).toEqual(new Set([0.25]));
        } else {
          expect(rates, kind).toEqual([]);
        }
      }
      context.dispose();
    }
  });
});
