// Loads an exported model in a fresh process and prints its predictions
// for the fixture batch as JSON: `vite-node export-child.ts DIR BACKEND`.
import { selectBackend } from "../../src/runtime/backend.js";
import {
  exportedModelInputs,
  loadExportedModel,
} from "../../src/runtime/export.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelIr } from "../../src/compiler/ir.js";
import { testBatch, testSharedBottom } from "./network-fixtures.js";

const [directory, backend] = process.argv.slice(2);
await selectBackend(backend, () => {});
const ir = JSON.parse(
  await readFile(path.join(directory, "ir.json"), "utf8"),
) as ModelIr;
const model = await loadExportedModel(directory, testSharedBottom);
const output = model.predict(exportedModelInputs(ir, testBatch(16, 300)));
const values = Array.from(
  (Array.isArray(output) ? output[0] : output).dataSync(),
);
process.stdout.write(`${JSON.stringify(values)}\n`);
