/**
 * Fitting the preprocessing (vocabularies, numeric statistics, scenario
 * list) on the training split, and its JSON form.
 *
 * Rules, all deterministic:
 * - a vocabulary keeps the values seen at least `minCount` times, sorted by
 *   descending count and then by value (UTF-16 code-unit order), truncated
 *   to `maxSize`; missing values are not counted;
 * - a hash table has an empty vocabulary and `buckets` value rows;
 * - numeric statistics describe the raw non-missing values before any
 *   transform; `std` is the population deviation (divides by the count);
 * - scenarios are sorted like vocabularies; a value is kept when it has at
 *   least `minRows` training rows and is among the `top` most frequent.
 *   When any value (or a missing value) is left out, `"__other__"` is
 *   appended and collects them.
 */
import {
  FIRST_VALUE_ROW,
  type FeatureIr,
  type TableIr,
} from "../../compiler/ir.js";
import type { Preprocessing } from "../types.js";
import type { CsvRecordBlock } from "./csv.js";
import { DataError } from "./errors.js";
import type { ColumnLayout, DataModel, RowChecker } from "./rows.js";

/** The scenario that collects rare, unseen and missing scenario values. */
export const OTHER_SCENARIO = "__other__";
/** The only scenario of a dataset without a scenario column. */
export const ALL_SCENARIO = "__all__";

const FORMAT = "hmdnc-preprocessing";
const FORMAT_VERSION = 1;

interface NumericAccumulator {
  count: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

/**
 * Accumulates training rows and produces the `Preprocessing`.
 * Limitation: it keeps one count per distinct value of every vocabulary
 * table (about 100 bytes each), so tens of millions of distinct ids need
 * gigabytes; a `hash` table avoids that.
 */
export class PreprocessingFitter {
  private readonly model: DataModel;
  private readonly layout: ColumnLayout;
  /** Value counts per vocabulary table name. */
  private readonly counts = new Map<string, Map<string, Tally>>();
  /** Per feature index: the count map its values feed, or null. */
  private readonly featureCounts: (Map<string, Tally> | null)[];
  private readonly numeric: (NumericAccumulator | null)[];
  private readonly scenarioCounts = new Map<string, Tally>();
  private scenarioMissing = 0;

  constructor(model: DataModel, layout: ColumnLayout) {
    this.model = model;
    this.layout = layout;
    for (const table of model.tables) {
      if (table.vocabulary.kind === "vocabulary") {
        this.counts.set(table.name, new Map());
      }
    }
    this.featureCounts = model.features.map((feature) =>
      feature.kind === "numeric"
        ? null
        : (this.counts.get(feature.table) ?? null),
    );
    this.numeric = model.features.map((feature) =>
      feature.kind === "numeric"
        ? { count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity }
        : null,
    );
  }

  /** Adds one good training record; `checker` contains its parsed numbers. */
  add(block: CsvRecordBlock, record: number, checker: RowChecker): void {
    const layout = this.layout;
    const start = block.offsets[record];
    const fields = block.fields;
    const features = this.model.features;
    for (let f = 0; f < features.length; f++) {
      const feature = features[f];
      if (feature.kind === "numeric") {
        const value = checker.numbers[f];
        if (!Number.isNaN(value)) addNumber(this.numeric[f]!, value);
        continue;
      }
      const counts = this.featureCounts[f];
      if (counts === null) continue;
      const value = fields[start + layout.featureColumns[f]];
      if (layout.isMissing(value)) continue;
      if (feature.kind === "categorical") {
        increment(counts, value);
      } else {
        for (const part of splitMulti(value, feature.separator)) {
          increment(counts, part);
        }
      }
    }
    if (layout.scenarioColumn >= 0) {
      const value = fields[start + layout.scenarioColumn];
      if (layout.isMissing(value)) this.scenarioMissing++;
      else increment(this.scenarioCounts, value);
    }
  }

  /** Builds the preprocessing from everything added. */
  finish(): Preprocessing {
    const vocabularies: Record<string, readonly string[]> = {};
    const tableRows: Record<string, number> = {};
    for (const table of this.model.tables) {
      const vocabulary = table.vocabulary;
      if (vocabulary.kind === "vocabulary") {
        const kept = sortByCount(this.counts.get(table.name)!).filter(
          ([, count]) => count >= vocabulary.minCount,
        );
        const limited =
          vocabulary.maxSize === null
            ? kept
            : kept.slice(0, vocabulary.maxSize);
        vocabularies[table.name] = limited.map(([value]) => value);
        tableRows[table.name] = FIRST_VALUE_ROW + limited.length;
      } else {
        vocabularies[table.name] = [];
        tableRows[table.name] = FIRST_VALUE_ROW + vocabulary.buckets;
      }
    }
    const numericStats: Record<string, Preprocessing["numericStats"][string]> =
      {};
    this.model.features.forEach((feature, f) => {
      const stats = this.numeric[f];
      if (stats === null) return;
      const empty = stats.count === 0;
      numericStats[feature.name] = {
        mean: empty ? 0 : stats.mean,
        std: empty ? 0 : Math.sqrt(stats.m2 / stats.count),
        min: empty ? 0 : stats.min,
        max: empty ? 0 : stats.max,
        count: stats.count,
      };
    });
    return {
      vocabularies,
      tableRows,
      numericStats,
      scenarios: this.scenarioList(),
    };
  }

  private scenarioList(): string[] {
    const scenario = this.model.dataset.scenario;
    if (scenario === null) return [ALL_SCENARIO];
    const sorted = sortByCount(this.scenarioCounts);
    const kept: string[] = [];
    for (const [value, count] of sorted) {
      if (count < scenario.minRows) break;
      if (scenario.top !== null && kept.length >= scenario.top) break;
      kept.push(value);
    }
    if (kept.length < sorted.length || this.scenarioMissing > 0) {
      kept.push(OTHER_SCENARIO);
    }
    return kept;
  }
}

function addNumber(stats: NumericAccumulator, value: number): void {
  // Welford's update keeps the variance accurate for large counts.
  stats.count++;
  const delta = value - stats.mean;
  stats.mean += delta / stats.count;
  stats.m2 += delta * (value - stats.mean);
  if (value < stats.min) stats.min = value;
  if (value > stats.max) stats.max = value;
}

/** A mutable count, boxed so that counting costs one map lookup. */
interface Tally {
  count: number;
}

function increment(counts: Map<string, Tally>, value: string): void {
  const tally = counts.get(value);
  if (tally === undefined) counts.set(detachString(value), { count: 1 });
  else tally.count++;
}

/**
 * Returns a copy of `value` that does not share storage with the chunk it
 * was sliced from. V8 represents a long slice as a view of its parent, so
 * a map key kept from every chunk would otherwise keep every chunk alive.
 */
export function detachString(value: string): string {
  return value.length < 13 ? value : (" " + value).slice(1);
}

function sortByCount(counts: Map<string, Tally>): [string, number][] {
  const entries: [string, number][] = [];
  for (const [value, tally] of counts) entries.push([value, tally.count]);
  return entries.sort((a, b) => {
    if (b[1] !== a[1]) return b[1] - a[1];
    if (a[0] === b[0]) return 0;
    return a[0] < b[0] ? -1 : 1;
  });
}

/**
 * Splits a multi-value field by its separator, dropping empty parts, so
 * `"a||b"` gives two values and `"|"` none.
 */
export function splitMulti(value: string, separator: string): string[] {
  const parts = value.split(separator);
  let empty = 0;
  for (const part of parts) if (part.length === 0) empty++;
  return empty === 0 ? parts : parts.filter((part) => part.length > 0);
}

/** Writes the preprocessing as JSON, with a format tag and version. */
export function serializePreprocessing(preprocessing: Preprocessing): string {
  return `${JSON.stringify(
    {
      format: FORMAT,
      version: FORMAT_VERSION,
      scenarios: preprocessing.scenarios,
      tableRows: preprocessing.tableRows,
      numericStats: preprocessing.numericStats,
      vocabularies: preprocessing.vocabularies,
    },
    null,
    1,
  )}\n`;
}

/** Reads preprocessing JSON written by `serializePreprocessing`. */
export function parsePreprocessing(text: string, file: string): Preprocessing {
  const fail = (detail: string): never => {
    throw new DataError({
      code: "HMD4012",
      message: `invalid preprocessing file: ${detail}`,
      file,
      line: 0,
      column: 0,
      help: "use the `preprocessing.json` written by `hmdnc train` for this model",
    });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null) return fail("not an object");
  const record = value as Record<string, unknown>;
  if (record.format !== FORMAT) return fail(`\`format\` is not "${FORMAT}"`);
  if (record.version !== FORMAT_VERSION) {
    return fail(`unsupported version ${JSON.stringify(record.version)}`);
  }
  const isStringList = (list: unknown): list is string[] =>
    Array.isArray(list) && list.every((item) => typeof item === "string");
  if (!isStringList(record.scenarios) || record.scenarios.length === 0) {
    return fail("`scenarios` is not a non-empty list of strings");
  }
  const vocabularies = record.vocabularies as Record<string, unknown>;
  if (typeof vocabularies !== "object" || vocabularies === null) {
    return fail("`vocabularies` is missing");
  }
  for (const [name, list] of Object.entries(vocabularies)) {
    if (!isStringList(list))
      return fail(`vocabulary \`${name}\` is not a list of strings`);
  }
  const tableRows = record.tableRows as Record<string, unknown>;
  if (typeof tableRows !== "object" || tableRows === null) {
    return fail("`tableRows` is missing");
  }
  for (const [name, rows] of Object.entries(tableRows)) {
    if (!Number.isInteger(rows) || (rows as number) < FIRST_VALUE_ROW) {
      return fail(
        `\`tableRows.${name}\` is not an integer >= ${FIRST_VALUE_ROW}`,
      );
    }
  }
  const stats = record.numericStats as Record<string, unknown>;
  if (typeof stats !== "object" || stats === null) {
    return fail("`numericStats` is missing");
  }
  for (const [name, entry] of Object.entries(stats)) {
    const fields = entry as Record<string, unknown>;
    for (const key of ["mean", "std", "min", "max", "count"]) {
      if (typeof fields?.[key] !== "number") {
        return fail(`\`numericStats.${name}.${key}\` is not a number`);
      }
    }
  }
  return {
    scenarios: record.scenarios,
    tableRows: tableRows as Record<string, number>,
    numericStats: stats as Preprocessing["numericStats"],
    vocabularies: vocabularies as Record<string, string[]>,
  };
}

/**
 * Checks that a preprocessing covers every table and numeric feature of
 * the model, and fails with `HMD4013` naming the first gap.
 */
export function checkPreprocessing(
  model: DataModel,
  preprocessing: Preprocessing,
  file: string,
): void {
  const fail = (detail: string): never => {
    throw new DataError({
      code: "HMD4013",
      message: `the preprocessing does not match the model: ${detail}`,
      file,
      line: 0,
      column: 0,
      help: "refit the preprocessing for this model (omit the preprocessing file)",
    });
  };
  for (const table of model.tables) checkTable(table, preprocessing, fail);
  for (const feature of model.features) {
    checkFeature(feature, preprocessing, fail);
  }
}

function checkTable(
  table: TableIr,
  preprocessing: Preprocessing,
  fail: (detail: string) => never,
): void {
  const rows = preprocessing.tableRows[table.name];
  const vocabulary = preprocessing.vocabularies[table.name];
  if (rows === undefined || vocabulary === undefined) {
    fail(`table \`${table.name}\` is missing`);
  }
  const expected =
    table.vocabulary.kind === "vocabulary"
      ? FIRST_VALUE_ROW + vocabulary.length
      : FIRST_VALUE_ROW + table.vocabulary.buckets;
  if (rows !== expected) {
    fail(`table \`${table.name}\` has ${rows} rows, expected ${expected}`);
  }
}

function checkFeature(
  feature: FeatureIr,
  preprocessing: Preprocessing,
  fail: (detail: string) => never,
): void {
  if (
    feature.kind === "numeric" &&
    preprocessing.numericStats[feature.name] === undefined
  ) {
    fail(`numeric feature \`${feature.name}\` has no statistics`);
  }
}
