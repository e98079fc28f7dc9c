/**
 * Prints, per golden fixture and backend, the largest scaled error of the
 * TypeScript backbone against the PyTorch reference (logits, gradients and
 * states together), and the largest |value| compared, so a reader can see
 * the errors are not measured on all-zero tensors.
 * Usage: npx tsx test/reference/backbones/report-errors.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { backbones } from "../../../src/runtime/backbones/index.js";
import {
  type GoldenFixture,
  runFixture,
  scaledError,
  useBackend,
} from "../../runtime/backbones/helpers.js";

const dir = "test/fixtures/golden/backbones";
const fixtures: GoldenFixture[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")));

for (const backend of ["cpu", "wasm"] as const) {
  await useBackend(backend);
  for (const fixture of fixtures) {
    const r = runFixture(fixture, backbones[fixture.config.backbone.kind]);
    const x = fixture.expected;
    const errors: number[] = [];
    let largest = 0;
    const add = (a: number[], e: number[]) => {
      errors.push(scaledError(a, e));
      for (const v of e) largest = Math.max(largest, Math.abs(v));
    };
    x.logits.forEach((l, t) => add(r.logits[t], l));
    for (const [n, g] of Object.entries(x.gradients)) add(r.gradients[n], g);
    add(r.embeddingsGradient, x.embeddingsGradient);
    if (x.hierarchyGradient)
      add(r.hierarchyGradient ?? [], x.hierarchyGradient);
    for (const [n, v] of Object.entries(x.states)) add(r.states[n], v);
    process.stdout.write(
      `${backend}\t${fixture.case}\tmax error ${Math.max(...errors).toExponential(2)}` +
        `\ttensors ${errors.length}\tmax |expected| ${largest.toFixed(3)}\n`,
    );
  }
}
