/**
 * Loads the KuaiRand benchmark input: a compiled model IR from
 * `specs/kuairand`, the real KuaiRand CSV opened by our data stage, and a
 * fixed list of training batches that every system (compiled, hand-written
 * tfjs, PyTorch) trains on, so all of them see the same ids.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { compileModel } from "../../src/compiler/index.js";
import type { ModelIr } from "../../src/compiler/ir.js";
import { openDataset, type Dataset } from "../../src/runtime/data/index.js";
import type { Batch } from "../../src/runtime/types.js";

/** The repository root. */
export const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
);

/** The full KuaiRand-Pure table (171,671 rows), read when present. */
export const REAL_CSV = "/work/shared/data/kuairand_pure_tabs/kuairand_ctr.csv";
/** The 30,000-row slice shipped in the repository. */
export const SLICE_CSV = path.join(ROOT, "data/kuairand/kuairand_ctr_30k.csv");

/** The spec file that declares each benchmarked model. */
export const MODEL_SPECS: Readonly<Record<string, string>> = {
  dnn: "specs/kuairand/dnn.hmdn",
  mmoe: "specs/kuairand/mmoe.hmdn",
  hmdn_mmoe: "specs/kuairand/mmoe.hmdn",
  pepnet: "specs/kuairand/pepnet.hmdn",
  hmdn_pepnet: "specs/kuairand/pepnet.hmdn",
  ple: "specs/kuairand/ple.hmdn",
  hmdn_ple: "specs/kuairand/ple.hmdn",
};

/**
 * The batch size every benchmark trains with unless told otherwise. It is
 * fixed here rather than read from the specs, whose batch size is tuned
 * for model quality and may change.
 */
export const BENCH_BATCH_SIZE = 2048;

/** Returns the CSV the benchmark reads: the real file, else the slice. */
export function dataFile(): string {
  return existsSync(REAL_CSV) ? REAL_CSV : SLICE_CSV;
}

/**
 * Compiles one KuaiRand model with the bench batch size; throws with the
 * diagnostics when it fails.
 */
export async function compileKuairand(model: string): Promise<ModelIr> {
  const spec = MODEL_SPECS[model];
  if (spec === undefined) throw new Error(`unknown benchmark model ${model}`);
  const result = await compileModel(path.join(ROOT, spec), { model });
  if (result.ir === null) {
    const messages = result.diagnostics.map((d) => d.message).join("; ");
    throw new Error(`compiling ${model} failed: ${messages}`);
  }
  return withBatchSize(result.ir, BENCH_BATCH_SIZE);
}

/** Returns `ir` with other training settings (batch size, ...). */
export function withBatchSize(ir: ModelIr, batchSize: number): ModelIr {
  return { ...ir, train: { ...ir.train, batchSize } };
}

/** Opens the dataset of `ir` on `file` and reads `count` training batches. */
export async function readBatches(
  ir: ModelIr,
  file: string,
  batchSize: number,
  count: number,
): Promise<{ dataset: Dataset; batches: Batch[] }> {
  const dataset = await openDataset(ir, { dataPath: file, mode: "memory" });
  const batches: Batch[] = [];
  for (let epoch = 0; batches.length < count; epoch++) {
    for await (const item of dataset.batches("train", {
      batchSize,
      epoch,
      padLastBatch: true,
    })) {
      if (item.batch.size !== batchSize) continue;
      batches.push(item.batch);
      if (batches.length === count) break;
    }
  }
  return { dataset, batches };
}

/** One feature block of `E`, in IR order, as the twins build it. */
export interface FeatureLayout {
  readonly name: string;
  readonly kind: "categorical" | "multi" | "numeric";
  /** Table rows (categorical and multi). */
  readonly rows?: number;
  /** Ids per row (multi). */
  readonly maxLength?: number;
}

/** The sizes and blocks a twin needs to build the compiled model again. */
export interface TwinLayout {
  readonly model: string;
  readonly batchSize: number;
  readonly batches: number;
  readonly embeddingDim: number;
  readonly scenarios: number;
  readonly features: readonly FeatureLayout[];
  /** Features of the HMDN explicit view. */
  readonly explicit: readonly string[];
  /** The model IR's backbone and hierarchy blocks, verbatim. */
  readonly backbone: ModelIr["backbone"];
  readonly hierarchy: ModelIr["hierarchy"];
  readonly towers: readonly number[];
}

/** Describes the feature blocks and model sizes of `ir` for the twins. */
export function twinLayout(
  ir: ModelIr,
  dataset: Dataset,
  batches: number,
): TwinLayout {
  const pre = dataset.preprocessing;
  let embeddingDim = 0;
  const features: FeatureLayout[] = ir.features.map((feature) => {
    if (feature.kind === "numeric") {
      if (feature.transform.kind === "buckets") {
        throw new Error(`${feature.name}: the twins do not bucketise`);
      }
      return { name: feature.name, kind: "numeric" };
    }
    const table = feature.table;
    const rows = pre.tableRows[table];
    const tableIr = ir.tables.find((t) => t.name === table);
    if (tableIr !== undefined) embeddingDim = tableIr.dim;
    if (feature.kind === "multi") {
      return {
        name: feature.name,
        kind: "multi",
        rows,
        maxLength: feature.maxLength,
      };
    }
    return { name: feature.name, kind: "categorical", rows };
  });
  return {
    model: ir.name,
    batchSize: ir.train.batchSize,
    batches,
    embeddingDim,
    scenarios: pre.scenarios.length,
    features,
    explicit: ir.hierarchy?.explicit ?? [],
    backbone: ir.backbone,
    hierarchy: ir.hierarchy,
    towers: ir.tasks[0].tower,
  };
}

/**
 * Writes `batches` for the PyTorch twin: `<base>.json` (the layout) and
 * `<base>.bin`, per batch in order: every categorical feature's int32 ids,
 * every multi feature's int32 ids `[B * maxLength]` (-1 is padding), every
 * numeric feature's float32 values, the int32 scenario and the float32
 * label of the first task.
 */
export function writeBatches(
  base: string,
  layout: TwinLayout,
  batches: readonly Batch[],
): void {
  mkdirSync(path.dirname(base), { recursive: true });
  const parts: Buffer[] = [];
  const push = (array: Int32Array | Float32Array) =>
    parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
  for (const batch of batches) {
    for (const f of layout.features) {
      if (f.kind === "categorical") push(batch.categorical[f.name]);
    }
    for (const f of layout.features) {
      if (f.kind === "multi") push(batch.multi[f.name]);
    }
    for (const f of layout.features) {
      if (f.kind === "numeric") push(batch.numeric[f.name]);
    }
    push(batch.scenario);
    push(Object.values(batch.labels)[0]);
  }
  writeFileSync(`${base}.bin`, Buffer.concat(parts));
  writeFileSync(`${base}.json`, JSON.stringify(layout, null, 2));
}
