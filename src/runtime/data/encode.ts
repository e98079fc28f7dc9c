/**
 * Encoding checked records into compact columns (`RowStore`) and slicing
 * those columns into `Batch`es.
 *
 * Categorical values: a missing value becomes the missing row, the OOV row
 * or an error, following the feature's `missing` policy. A value outside the
 * vocabulary becomes the OOV row. Hash tables map a value to
 * `FIRST_VALUE_ROW + fnv1a32(value) % buckets`, so they have no OOV values. Multi-value
 * fields are split by the separator (empty parts dropped), truncated to
 * `maxLength`, padded with `PADDING_ID`, duplicates kept; a field without
 * values holds one missing-row id. Numbers: a missing value is replaced by
 * the policy's raw value (0, the training mean, or the given value) before
 * the transform; bucketised features map a missing value to the missing
 * row. Transforms use the training statistics:
 * - `log1p`: `sign(v) * log(1 + |v|)`, so negative values stay finite;
 * - `zscore`: `(v - mean) / std` (`v - mean` when `std` is 0);
 * - `minmax`: `(v - min) / (max - min)` clipped to [0, 1] (0 when max = min).
 */
import {
  FIRST_VALUE_ROW,
  MISSING_ROW,
  OOV_ROW,
  PADDING_ID,
  type FeatureIr,
  type NumericFeatureIr,
} from "../../compiler/ir.js";
import type { Batch, Preprocessing } from "../types.js";
import type { CsvRecordBlock } from "./csv.js";
import { fnv1a32 } from "./hash.js";
import { OTHER_SCENARIO, detachString, splitMulti } from "./preprocessing.js";
import type { DataModel, RowChecker } from "./rows.js";

/** Per-row information for metrics and reports, beside a `Batch`. */
export interface BatchMeta {
  /** The raw scenario value of every row (`"__all__"` without a scenario column). */
  readonly scenarioValues: readonly string[];
  /**
   * The GAUC group of every row as a dense id (equal ids, equal values),
   * or `null` when the model has no `gaucBy` column.
   */
  readonly groups: Int32Array | null;
  /** The raw GAUC group value of every row (e.g. the user id), or `null` like `groups`. */
  readonly groupValues: readonly string[] | null;
  /** The physical line of every row in the CSV file. */
  readonly lines: Int32Array;
}

/** A batch with its metadata, as the dataset reader yields it. */
export interface DataBatch {
  readonly batch: Batch;
  readonly meta: BatchMeta;
  /** The 0-based index of this batch in its pass. */
  readonly index: number;
}

/** Missing and out-of-vocabulary value counts of one feature. */
export interface FeatureCounts {
  missing: number;
  oov: number;
}

/**
 * String interning: a dense id per distinct value, stable for the reader's life.
 * Limitation: it grows with the distinct GAUC groups and scenario values
 * (bounded by the users, not the rows), also in stream mode.
 */
export class Dictionary {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  /** Returns the id of `value`, adding it when new. */
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      const kept = detachString(value);
      this.ids.set(kept, id);
      this.values.push(kept);
    }
    return id;
  }
}

/** The column layout of a row store, derived from the model. */
export interface StoreShape {
  /** Categorical features and bucketised numeric features, by name. */
  readonly categorical: readonly string[];
  readonly multi: readonly {
    readonly name: string;
    readonly maxLength: number;
  }[];
  /** Scalar numeric features, by name. */
  readonly numeric: readonly string[];
  readonly tasks: readonly string[];
}

/** Returns the store shape of a model. */
export function storeShape(model: DataModel): StoreShape {
  const categorical: string[] = [];
  const multi: { name: string; maxLength: number }[] = [];
  const numeric: string[] = [];
  for (const feature of model.features) {
    if (feature.kind === "categorical") categorical.push(feature.name);
    else if (feature.kind === "multi") {
      multi.push({ name: feature.name, maxLength: feature.maxLength });
    } else if (feature.transform.kind === "buckets") {
      categorical.push(feature.name);
    } else numeric.push(feature.name);
  }
  return { categorical, multi, numeric, tasks: model.tasks.map((t) => t.name) };
}

/** Bytes one row takes in a `RowStore` of this shape. */
export function bytesPerRow(shape: StoreShape): number {
  let words = shape.categorical.length + shape.numeric.length;
  for (const { maxLength } of shape.multi) words += maxLength;
  // scenario, raw scenario, group, line, and one label per task
  return 4 * (words + 4 + shape.tasks.length);
}

/** Encoded rows in columns of typed arrays, grown on demand. */
export class RowStore {
  readonly shape: StoreShape;
  size = 0;
  capacity: number;
  categorical: Int32Array[];
  multi: Int32Array[];
  numeric: Float32Array[];
  labels: Float32Array[];
  scenario: Int32Array;
  rawScenario: Int32Array;
  group: Int32Array;
  line: Int32Array;

  constructor(shape: StoreShape, capacity: number) {
    this.shape = shape;
    this.capacity = Math.max(1, capacity);
    const c = this.capacity;
    this.categorical = shape.categorical.map(() => new Int32Array(c));
    this.multi = shape.multi.map((m) => new Int32Array(c * m.maxLength));
    this.numeric = shape.numeric.map(() => new Float32Array(c));
    this.labels = shape.tasks.map(() => new Float32Array(c));
    this.scenario = new Int32Array(c);
    this.rawScenario = new Int32Array(c);
    this.group = new Int32Array(c);
    this.line = new Int32Array(c);
  }

  /** Makes room for at least `capacity` rows, keeping the rows stored. */
  reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const c = Math.max(capacity, Math.ceil(this.capacity * 1.5));
    const growInt = (a: Int32Array, width = 1): Int32Array => {
      const next = new Int32Array(c * width);
      next.set(a);
      return next;
    };
    const growFloat = (a: Float32Array): Float32Array => {
      const next = new Float32Array(c);
      next.set(a);
      return next;
    };
    this.categorical = this.categorical.map((a) => growInt(a));
    this.multi = this.multi.map((a, i) =>
      growInt(a, this.shape.multi[i].maxLength),
    );
    this.numeric = this.numeric.map(growFloat);
    this.labels = this.labels.map(growFloat);
    this.scenario = growInt(this.scenario);
    this.rawScenario = growInt(this.rawScenario);
    this.group = growInt(this.group);
    this.line = growInt(this.line);
    this.capacity = c;
  }

  /** Copies row `from` of `source` into row `to` of this store. */
  copyRow(source: RowStore, from: number, to: number): void {
    for (let i = 0; i < this.categorical.length; i++) {
      this.categorical[i][to] = source.categorical[i][from];
    }
    for (let i = 0; i < this.multi.length; i++) {
      const width = this.shape.multi[i].maxLength;
      this.multi[i].set(
        source.multi[i].subarray(from * width, from * width + width),
        to * width,
      );
    }
    for (let i = 0; i < this.numeric.length; i++) {
      this.numeric[i][to] = source.numeric[i][from];
    }
    for (let i = 0; i < this.labels.length; i++) {
      this.labels[i][to] = source.labels[i][from];
    }
    this.scenario[to] = source.scenario[from];
    this.rawScenario[to] = source.rawScenario[from];
    this.group[to] = source.group[from];
    this.line[to] = source.line[from];
  }

  /**
   * Builds a batch from rows `order[start..start+count)` (or the rows
   * themselves when `order` is null). With `padTo`, the batch is filled up
   * to that size with weight-0 rows (missing ids, padding, zeros).
   */
  toBatch(
    order: Int32Array | null,
    start: number,
    count: number,
    padTo: number | null,
    dictionaries: { scenario: Dictionary; group: Dictionary | null },
  ): Omit<DataBatch, "index"> {
    const size = padTo !== null && padTo > count ? padTo : count;
    const at = (k: number): number =>
      order === null ? start + k : order[start + k];
    const gatherInt = (source: Int32Array, fill: number): Int32Array => {
      const out = new Int32Array(size);
      for (let k = 0; k < count; k++) out[k] = source[at(k)];
      if (fill !== 0) out.fill(fill, count);
      return out;
    };
    const gatherFloat = (source: Float32Array): Float32Array => {
      const out = new Float32Array(size);
      for (let k = 0; k < count; k++) out[k] = source[at(k)];
      return out;
    };
    const categorical: Record<string, Int32Array> = {};
    this.shape.categorical.forEach((name, i) => {
      categorical[name] = gatherInt(this.categorical[i], MISSING_ROW);
    });
    const multi: Record<string, Int32Array> = {};
    this.shape.multi.forEach(({ name, maxLength }, i) => {
      const source = this.multi[i];
      const out = new Int32Array(size * maxLength).fill(PADDING_ID);
      for (let k = 0; k < count; k++) {
        const row = at(k) * maxLength;
        out.set(source.subarray(row, row + maxLength), k * maxLength);
      }
      multi[name] = out;
    });
    const numeric: Record<string, Float32Array> = {};
    this.shape.numeric.forEach((name, i) => {
      numeric[name] = gatherFloat(this.numeric[i]);
    });
    const labels: Record<string, Float32Array> = {};
    this.shape.tasks.forEach((name, i) => {
      labels[name] = gatherFloat(this.labels[i]);
    });
    const weights = new Float32Array(size);
    weights.fill(1, 0, count);
    const rawScenario = gatherInt(this.rawScenario, 0);
    const scenarioValues = lookUp(
      rawScenario,
      count,
      dictionaries.scenario.values,
    );
    const group = dictionaries.group;
    const groups = group === null ? null : gatherInt(this.group, -1);
    return {
      batch: {
        size,
        categorical,
        multi,
        numeric,
        scenario: gatherInt(this.scenario, 0),
        labels,
        weights,
      },
      meta: {
        scenarioValues,
        groups,
        groupValues:
          groups === null ? null : lookUp(groups, count, group!.values),
        lines: gatherInt(this.line, 0),
      },
    };
  }
}

/** Maps the first `count` ids to their values; padding rows get "". */
function lookUp(
  ids: Int32Array,
  count: number,
  values: readonly string[],
): string[] {
  const out = new Array<string>(ids.length);
  for (let k = 0; k < ids.length; k++) out[k] = k < count ? values[ids[k]] : "";
  return out;
}

const enum Plan {
  Vocabulary,
  Hash,
  MultiVocabulary,
  MultiHash,
  Scalar,
  Buckets,
}

interface FeaturePlan {
  readonly plan: Plan;
  /** Index into the store's column list of that kind. */
  readonly slot: number;
  readonly column: number;
  readonly vocabulary: ReadonlyMap<string, number> | null;
  readonly buckets: number;
  readonly missingId: number;
  readonly feature: FeatureIr;
}

/** Encodes checked records into a `RowStore` with a fitted preprocessing. */
export class Encoder {
  /** Missing and OOV counts per feature name, for the rows encoded so far. */
  readonly counts: Record<string, FeatureCounts> = {};
  private readonly plans: FeaturePlan[] = [];
  private readonly featureCounts: FeatureCounts[] = [];
  private readonly scenarioIndex = new Map<string, number>();
  private readonly otherScenario: number;
  private readonly layout: RowChecker["layout"];
  private readonly transforms: ((value: number) => number)[] = [];
  private readonly substitutes: Float64Array;
  readonly dictionaries: { scenario: Dictionary; group: Dictionary | null };
  /** Rows whose scenario value was not among the scenarios (mapped to `"__other__"` or scenario 0). */
  unseenScenarioRows = 0;

  constructor(
    model: DataModel,
    preprocessing: Preprocessing,
    layout: RowChecker["layout"],
    dictionaries?: { scenario: Dictionary; group: Dictionary | null },
  ) {
    this.layout = layout;
    this.dictionaries = dictionaries ?? {
      scenario: new Dictionary(),
      group: layout.gaucColumn >= 0 ? new Dictionary() : null,
    };
    const vocabularies = new Map<string, Map<string, number>>();
    const tables = new Map(model.tables.map((t) => [t.name, t]));
    const vocabularyOf = (table: string): Map<string, number> => {
      let map = vocabularies.get(table);
      if (map === undefined) {
        map = new Map();
        (preprocessing.vocabularies[table] ?? []).forEach((value, i) =>
          map!.set(value, FIRST_VALUE_ROW + i),
        );
        vocabularies.set(table, map);
      }
      return map;
    };
    const slots = { categorical: 0, multi: 0, numeric: 0 };
    this.substitutes = new Float64Array(model.features.length);
    model.features.forEach((feature, f) => {
      const counts = { missing: 0, oov: 0 };
      this.counts[feature.name] = counts;
      this.featureCounts.push(counts);
      const column = layout.featureColumns[f];
      if (feature.kind === "numeric") {
        const stats = preprocessing.numericStats[feature.name];
        this.substitutes[f] = substituteValue(feature, stats?.mean ?? 0);
        if (feature.transform.kind === "buckets") {
          const boundaries = Float64Array.from(feature.transform.boundaries);
          this.transforms.push(
            (v) => FIRST_VALUE_ROW + upperBound(boundaries, v),
          );
          this.plans.push({
            plan: Plan.Buckets,
            slot: slots.categorical++,
            column,
            vocabulary: null,
            buckets: boundaries.length + 1,
            missingId: MISSING_ROW,
            feature,
          });
        } else {
          this.transforms.push(scalarTransform(feature, stats));
          this.plans.push({
            plan: Plan.Scalar,
            slot: slots.numeric++,
            column,
            vocabulary: null,
            buckets: 0,
            missingId: MISSING_ROW,
            feature,
          });
        }
        return;
      }
      this.transforms.push((v) => v);
      const table = tables.get(feature.table);
      const hashed = table?.vocabulary.kind === "hash";
      const buckets =
        table !== undefined && table.vocabulary.kind !== "vocabulary"
          ? table.vocabulary.buckets
          : 0;
      const multi = feature.kind === "multi";
      this.plans.push({
        plan: multi
          ? hashed
            ? Plan.MultiHash
            : Plan.MultiVocabulary
          : hashed
            ? Plan.Hash
            : Plan.Vocabulary,
        slot: multi ? slots.multi++ : slots.categorical++,
        column,
        vocabulary: hashed ? null : vocabularyOf(feature.table),
        buckets,
        missingId:
          feature.kind === "categorical" && feature.missing === "oov"
            ? OOV_ROW
            : MISSING_ROW,
        feature,
      });
    });
    preprocessing.scenarios.forEach((value, i) =>
      this.scenarioIndex.set(value, i),
    );
    const other = this.scenarioIndex.get(OTHER_SCENARIO);
    this.otherScenario = other ?? 0;
  }

  /** Encodes record `record` of `block`, already checked by `checker`, into row `row`. */
  encode(
    block: CsvRecordBlock,
    record: number,
    checker: RowChecker,
    store: RowStore,
    row: number,
  ): void {
    const fields = block.fields;
    const start = block.offsets[record];
    const layout = this.layout;
    for (let p = 0; p < this.plans.length; p++) {
      const plan = this.plans[p];
      const counts = this.featureCounts[p];
      switch (plan.plan) {
        case Plan.Scalar: {
          let value = checker.numbers[p];
          if (Number.isNaN(value)) {
            counts.missing++;
            value = this.substitutes[p];
          }
          store.numeric[plan.slot][row] = this.transforms[p](value);
          break;
        }
        case Plan.Buckets: {
          const value = checker.numbers[p];
          if (Number.isNaN(value)) {
            counts.missing++;
            store.categorical[plan.slot][row] = MISSING_ROW;
          } else {
            store.categorical[plan.slot][row] = this.transforms[p](value);
          }
          break;
        }
        case Plan.Vocabulary:
        case Plan.Hash: {
          const value = fields[start + plan.column];
          store.categorical[plan.slot][row] = this.categoricalId(
            plan,
            counts,
            value,
          );
          break;
        }
        default: {
          const value = fields[start + plan.column];
          this.encodeMulti(plan, counts, value, store, row);
        }
      }
    }
    for (let t = 0; t < store.labels.length; t++) {
      store.labels[t][row] = checker.labels[t];
    }
    if (layout.scenarioColumn >= 0) {
      const value = fields[start + layout.scenarioColumn];
      let index = layout.isMissing(value)
        ? undefined
        : this.scenarioIndex.get(value);
      // Limitation: without an `__other__` scenario, an unseen value joins
      // scenario 0; the report counts such rows.
      if (index === undefined) {
        index = this.otherScenario;
        if (!this.scenarioIndex.has(OTHER_SCENARIO)) this.unseenScenarioRows++;
      }
      store.scenario[row] = index;
      store.rawScenario[row] = this.dictionaries.scenario.id(value);
    } else {
      store.scenario[row] = 0;
      store.rawScenario[row] = this.dictionaries.scenario.id("__all__");
    }
    if (this.dictionaries.group !== null) {
      store.group[row] = this.dictionaries.group.id(
        fields[start + layout.gaucColumn],
      );
    }
    store.line[row] = block.lines[record];
  }

  private categoricalId(
    plan: FeaturePlan,
    counts: FeatureCounts,
    value: string,
  ): number {
    if (this.layout.isMissing(value)) {
      counts.missing++;
      return plan.missingId;
    }
    if (plan.vocabulary === null) {
      return FIRST_VALUE_ROW + (fnv1a32(value) % plan.buckets);
    }
    const id = plan.vocabulary.get(value);
    if (id === undefined) {
      counts.oov++;
      return OOV_ROW;
    }
    return id;
  }

  private encodeMulti(
    plan: FeaturePlan,
    counts: FeatureCounts,
    value: string,
    store: RowStore,
    row: number,
  ): void {
    const width = store.shape.multi[plan.slot].maxLength;
    const out = store.multi[plan.slot];
    const base = row * width;
    out.fill(PADDING_ID, base, base + width);
    const parts = this.layout.isMissing(value)
      ? []
      : splitMulti(value, (plan.feature as { separator: string }).separator);
    if (parts.length === 0) {
      counts.missing++;
      out[base] = MISSING_ROW;
      return;
    }
    const length = Math.min(parts.length, width);
    for (let k = 0; k < length; k++) {
      out[base + k] = this.categoricalId(plan, counts, parts[k]);
    }
  }
}

function substituteValue(feature: NumericFeatureIr, mean: number): number {
  switch (feature.missing.policy) {
    case "zero":
      return 0;
    case "mean":
      return mean;
    case "value":
      return feature.missing.value;
    case "error":
      return 0;
  }
}

function scalarTransform(
  feature: NumericFeatureIr,
  stats: Preprocessing["numericStats"][string] | undefined,
): (value: number) => number {
  const mean = stats?.mean ?? 0;
  const std = stats?.std ?? 0;
  const min = stats?.min ?? 0;
  const max = stats?.max ?? 0;
  switch (feature.transform.kind) {
    case "log1p":
      return (v) => (v < 0 ? -Math.log1p(-v) : Math.log1p(v));
    case "zscore":
      return std > 0 ? (v) => (v - mean) / std : (v) => v - mean;
    case "minmax":
      return max > min
        ? (v) => Math.min(1, Math.max(0, (v - min) / (max - min)))
        : () => 0;
    default:
      return (v) => v;
  }
}

/** Returns the number of boundaries <= value (the bucket index). */
function upperBound(boundaries: Float64Array, value: number): number {
  let low = 0;
  let high = boundaries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (boundaries[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
