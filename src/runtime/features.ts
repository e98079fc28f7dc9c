import type { FeatureIr, ModelIr } from "../compiler/ir.js";
import { PADDING_ID } from "../compiler/ir.js";
import type { FeatureSlice } from "./backbones/types.js";
import { EmbeddingTable } from "./embeddings.js";
import type { SparseOptimizerIr } from "./embeddings.js";
import type { Random } from "./random.js";
import type { Batch, Preprocessing } from "./types.js";

/**
 * How each feature enters `E`, the concatenated input vector, and the host
 * code that builds `E` for a batch and routes its gradient back to the
 * table rows.
 *
 * - categorical (and bucketised numeric): the row of its table;
 * - multi: the mean, sum or max of its rows, `PADDING_ID` entries skipped
 *   (a row of only padding pools to zeros);
 * - scalar numeric: one column holding the value the data stage already
 *   transformed.
 */

type FeaturePlan =
  | {
      readonly kind: "lookup";
      readonly feature: string;
      readonly table: EmbeddingTable;
      readonly offset: number;
    }
  | {
      readonly kind: "pool";
      readonly feature: string;
      readonly table: EmbeddingTable;
      readonly offset: number;
      readonly pooling: "mean" | "sum" | "max";
      readonly maxLength: number;
    }
  | {
      readonly kind: "numeric";
      readonly feature: string;
      readonly offset: number;
    };

/** What the backward pass needs to remember from the forward gather. */
interface GatherRecord {
  readonly batch: Batch;
  /** Per max-pooled feature: the index into `multi` that won each element, -1 for none. */
  readonly argmax: Map<string, Int32Array>;
}

/** Returns the table of a categorical, multi or bucketised numeric feature, or `null` for a scalar. */
function tableOf(feature: FeatureIr): string | null {
  if (feature.kind === "numeric") {
    return feature.transform.kind === "buckets"
      ? feature.transform.table
      : null;
  }
  return feature.table;
}

/** Builds `E` on the host and sends its gradient to the embedding tables. */
export class FeatureLayer {
  /** Width of `E`. */
  readonly width: number;
  /** Where each feature sits inside `E`. */
  readonly slices: Readonly<Record<string, FeatureSlice>>;
  /** The tables by name, shared tables once. */
  readonly tables: ReadonlyMap<string, EmbeddingTable>;
  private readonly plans: FeaturePlan[];
  private last: GatherRecord | null = null;

  constructor(
    ir: ModelIr,
    pre: Preprocessing,
    optimizer: SparseOptimizerIr,
    random: Random,
  ) {
    const tables = new Map<string, EmbeddingTable>();
    for (const table of ir.tables) {
      const rows = pre.tableRows[table.name];
      if (rows === undefined || rows < 2) {
        throw new Error(
          `preprocessing has no row count for table "${table.name}"`,
        );
      }
      tables.set(
        table.name,
        new EmbeddingTable(
          table.name,
          rows,
          table.dim,
          optimizer,
          random.fork(`table/${table.name}`),
        ),
      );
    }
    const slices: Record<string, FeatureSlice> = {};
    const plans: FeaturePlan[] = [];
    let offset = 0;
    for (const feature of ir.features) {
      const tableName = tableOf(feature);
      if (tableName === null) {
        plans.push({ kind: "numeric", feature: feature.name, offset });
        slices[feature.name] = { offset, width: 1 };
        offset += 1;
        continue;
      }
      const table = tables.get(tableName);
      if (table === undefined) {
        throw new Error(
          `feature "${feature.name}" reads table "${tableName}", which the IR does not define`,
        );
      }
      if (feature.kind === "multi") {
        plans.push({
          kind: "pool",
          feature: feature.name,
          table,
          offset,
          pooling: feature.pooling,
          maxLength: feature.maxLength,
        });
      } else {
        plans.push({ kind: "lookup", feature: feature.name, table, offset });
      }
      slices[feature.name] = { offset, width: table.dim };
      offset += table.dim;
    }
    this.width = offset;
    this.slices = slices;
    this.tables = tables;
    this.plans = plans;
  }

  /**
   * Returns `E` for `batch`, row-major `[batch.size, width]`. With
   * `remember` the gather is kept for the following `backward`.
   */
  gather(batch: Batch, remember: boolean): Float32Array {
    const width = this.width;
    const size = batch.size;
    const out = new Float32Array(size * width);
    const argmax = new Map<string, Int32Array>();
    for (const plan of this.plans) {
      if (plan.kind === "numeric") {
        const values = requireArray(
          batch.numeric,
          plan.feature,
          "numeric",
          size,
        );
        for (let i = 0; i < size; i++) out[i * width + plan.offset] = values[i];
        continue;
      }
      const { table, offset } = plan;
      const dim = table.dim;
      const rows = table.values;
      if (plan.kind === "lookup") {
        const ids = requireArray(
          batch.categorical,
          plan.feature,
          "categorical",
          size,
        );
        // An element loop: `out.set(rows.subarray(..))` allocates a view
        // per row and was 3x slower at batch 2048.
        for (let i = 0; i < size; i++) {
          const src = checkRow(ids[i], table, plan.feature) * dim;
          const dst = i * width + offset;
          for (let j = 0; j < dim; j++) out[dst + j] = rows[src + j];
        }
        continue;
      }
      const ids = requireArray(
        batch.multi,
        plan.feature,
        "multi-value",
        size * plan.maxLength,
      );
      const length = plan.maxLength;
      const winners =
        plan.pooling === "max" ? new Int32Array(size * dim).fill(-1) : null;
      for (let i = 0; i < size; i++) {
        const dst = i * width + offset;
        let count = 0;
        for (let k = 0; k < length; k++) {
          const id = ids[i * length + k];
          if (id === PADDING_ID) continue;
          const src = checkRow(id, table, plan.feature) * dim;
          for (let j = 0; j < dim; j++) {
            const value = rows[src + j];
            if (winners !== null) {
              if (count === 0 || value > out[dst + j]) {
                out[dst + j] = value;
                winners[i * dim + j] = i * length + k;
              }
            } else {
              out[dst + j] += value;
            }
          }
          count += 1;
        }
        if (plan.pooling === "mean" && count > 1) {
          for (let j = 0; j < dim; j++) out[dst + j] /= count;
        }
      }
      if (winners !== null) argmax.set(plan.feature, winners);
    }
    this.last = remember ? { batch, argmax } : null;
    return out;
  }

  /** Drops the remembered gather of a step that will not update. */
  discard(): void {
    this.last = null;
  }

  /**
   * Routes `gradient` (`dLoss/dE`, `[size, width]`) of the remembered
   * gather to the tables' pending row gradients. Numeric columns need no
   * update: their values are inputs.
   */
  backward(gradient: Float32Array): void {
    const record = this.last;
    if (record === null) {
      throw new Error("backward called without a remembered gather");
    }
    this.last = null;
    const { batch } = record;
    // A row of weight 0 has a zero gradient; skipping it also keeps its ids
    // out of the touched set, so the lazy optimizer leaves their slots alone.
    const weights = batch.weights;
    const width = this.width;
    const size = batch.size;
    for (const plan of this.plans) {
      if (plan.kind === "numeric") continue;
      const { table, offset } = plan;
      const dim = table.dim;
      if (plan.kind === "lookup") {
        const ids = batch.categorical[plan.feature];
        for (let i = 0; i < size; i++) {
          if (weights[i] === 0) continue;
          table.accumulate(ids[i], gradient, i * width + offset, 1);
        }
        continue;
      }
      const ids = batch.multi[plan.feature];
      const length = plan.maxLength;
      const winners = record.argmax.get(plan.feature);
      if (winners !== undefined) {
        for (let i = 0; i < size; i++) {
          if (weights[i] === 0) continue;
          for (let j = 0; j < dim; j++) {
            const at = winners[i * dim + j];
            if (at < 0) continue;
            table.accumulateElement(
              ids[at],
              j,
              gradient[i * width + offset + j],
            );
          }
        }
        continue;
      }
      for (let i = 0; i < size; i++) {
        if (weights[i] === 0) continue;
        let count = 0;
        for (let k = 0; k < length; k++) {
          if (ids[i * length + k] !== PADDING_ID) count += 1;
        }
        if (count === 0) continue;
        const scale = plan.pooling === "mean" ? 1 / count : 1;
        for (let k = 0; k < length; k++) {
          const id = ids[i * length + k];
          if (id === PADDING_ID) continue;
          table.accumulate(id, gradient, i * width + offset, scale);
        }
      }
    }
  }
}

/** Returns the batch array of `feature`, checking that it has `length` entries. */
function requireArray<T extends { readonly length: number }>(
  arrays: Readonly<Record<string, T>>,
  feature: string,
  kind: string,
  length: number,
): T {
  const values = arrays[feature];
  if (values === undefined) {
    throw new Error(`batch has no ${kind} values for feature "${feature}"`);
  }
  if (values.length !== length) {
    throw new Error(
      `batch has ${values.length} ${kind} values for feature "${feature}", expected ${length}`,
    );
  }
  return values;
}

function checkRow(id: number, table: EmbeddingTable, feature: string): number {
  if (id < 0 || id >= table.rows) {
    throw new Error(
      `feature "${feature}": row id ${id} is outside table "${table.name}" (${table.rows} rows)`,
    );
  }
  return id;
}
