/**
 * Writes the input half of every backbone fixture (weights by name with
 * random values, E, s_D, scenarios, upstream gradient) into the directory
 * given as the first argument. Further arguments keep only the named cases.
 * `regenerate.sh` runs it and then the PyTorch reference of each case.
 *
 * Weights come from building the real backbone through the test context,
 * so the fixture has exactly the names and shapes the backbone creates.
 * Values are then redrawn so that zero-initialised outputs (gate units)
 * are not trivially zero.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { backbones } from "../../../src/runtime/backbones/index.js";
import {
  type FixtureInput,
  createTestContext,
  seededRandom,
} from "../../runtime/backbones/helpers.js";
import { cases } from "./cases.js";

const BATCH = 6;
const SCENARIO_OF_ROW = [0, 1, 2, 0, 2, 1];

/** Rounds to 4 decimals so the fixture stays small; float32 keeps ~7 digits. */
function short(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

function uniformMatrix(
  random: () => number,
  rows: number,
  cols: number,
  limit: number,
) {
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => short((2 * random() - 1) * limit)),
  );
}

async function main() {
  const [outDir, ...only] = process.argv.slice(2);
  if (!outDir) throw new Error("usage: make-inputs.ts OUT_DIR [CASE...]");
  mkdirSync(outDir, { recursive: true });
  await tf.setBackend("cpu");
  cases.forEach((spec, index) => {
    if (only.length > 0 && !only.includes(spec.name)) return;
    const random = seededRandom(1000 + index);
    const context = createTestContext(spec, 1 + index);
    backbones[spec.backbone.kind](context);
    const weights: FixtureInput["weights"] = {};
    for (const [name, created] of context.variables) {
      const shape = created.variable.shape;
      const size = created.variable.size;
      // Positive around 1 for scales and variances, centred on 0 otherwise.
      const values = Array.from({ length: size }, () =>
        short(
          created.init === "ones" ? 1 + 0.6 * (random() - 0.5) : random() - 0.5,
        ),
      );
      weights[name] = {
        shape: [...shape],
        values,
        trainable: created.trainable,
      };
    }
    context.dispose();
    const fixture: FixtureInput = {
      case: spec.name,
      config: spec,
      inputs: {
        embeddings: uniformMatrix(random, BATCH, spec.inputDim, 1.5),
        hierarchy:
          spec.hierarchyDim > 0
            ? uniformMatrix(random, BATCH, spec.hierarchyDim, 1)
            : null,
        scenario: SCENARIO_OF_ROW,
      },
      upstream: uniformMatrix(random, spec.tasks.length, BATCH, 1),
      weights,
    };
    writeFileSync(
      path.join(outDir, `${spec.name}.json`),
      JSON.stringify(fixture),
    );
  });
}

await main();
