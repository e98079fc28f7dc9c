/**
 * Binds a model's data description to the columns of a CSV header and
 * checks each record: column count, numbers, labels and missing values.
 * Fitting and encoding share this check, so both passes agree on which
 * rows are bad.
 */
import type {
  DatasetIr,
  EvaluateIr,
  FeatureIr,
  TableIr,
  TaskIr,
} from "../../compiler/ir.js";
import { recordLineText, type CsvRecordBlock } from "./csv.js";
import { DataError } from "./errors.js";

/** The parts of a model IR the data stage reads. */
export interface DataModel {
  readonly dataset: DatasetIr;
  readonly features: readonly FeatureIr[];
  readonly tables: readonly TableIr[];
  readonly tasks: readonly TaskIr[];
  readonly evaluate: Pick<EvaluateIr, "gaucBy">;
}

/** The reason a row was skipped (with `bad_rows skip`) or rejected. */
export type BadRowReason =
  | "column_count"
  | "invalid_number"
  | "invalid_label"
  | "missing_value";

/** Every bad-row reason, in report order. */
export const BAD_ROW_REASONS: readonly BadRowReason[] = [
  "column_count",
  "invalid_number",
  "invalid_label",
  "missing_value",
];

/** Column positions of everything the model reads, resolved against a header. */
export class ColumnLayout {
  readonly file: string;
  readonly header: readonly string[];
  /** Column index of every feature, in `model.features` order. */
  readonly featureColumns: Int32Array;
  /** Column index of every task label, in `model.tasks` order. */
  readonly labelColumns: Int32Array;
  readonly scenarioColumn: number;
  readonly gaucColumn: number;
  /** Column index for a `column` split, or -1. */
  readonly splitColumn: number;
  private readonly missing: ReadonlySet<string>;
  private readonly hasEmptyMissing: boolean;
  /** Bit `k` is set when some missing marker has length k (k < 31), or bit 31 for longer ones. */
  private readonly missingLengths: number;

  constructor(model: DataModel, file: string, header: readonly string[]) {
    this.file = file;
    this.header = header;
    const index = new Map<string, number>();
    header.forEach((name, i) => {
      if (index.has(name)) {
        throw new DataError({
          code: "HMD4009",
          message: `duplicate column name \`${name}\` in the header (columns ${index.get(name)! + 1} and ${i + 1})`,
          file,
          line: 1,
          column: 1,
          help: "rename one of the columns so every name is unique",
        });
      }
      index.set(name, i);
    });
    const find = (column: string, role: string): number => {
      const position = index.get(column);
      if (position === undefined) {
        throw new DataError({
          code: "HMD4008",
          message: `column \`${column}\` (${role}) is not in the header`,
          file,
          line: 1,
          column: 1,
          help: `the header has: ${header.slice(0, 12).join(", ")}${header.length > 12 ? ", ..." : ""}`,
        });
      }
      return position;
    };
    this.featureColumns = Int32Array.from(
      model.features.map((f) => find(f.column, `feature \`${f.name}\``)),
    );
    this.labelColumns = Int32Array.from(
      model.tasks.map((t) => find(t.label, `label of task \`${t.name}\``)),
    );
    const scenario = model.dataset.scenario;
    this.scenarioColumn =
      scenario === null ? -1 : find(scenario.column, "scenario");
    const gaucBy = model.evaluate.gaucBy;
    this.gaucColumn = gaucBy === null ? -1 : find(gaucBy, "GAUC group");
    const split = model.dataset.split;
    this.splitColumn =
      split.kind === "column" ? find(split.column, "split column") : -1;
    this.missing = new Set(model.dataset.source.missingValues);
    this.hasEmptyMissing = this.missing.has("");
    let lengths = 0;
    for (const marker of this.missing)
      lengths |= 1 << Math.min(marker.length, 31);
    this.missingLengths = lengths;
  }

  /** Tells whether a field value means "missing". */
  isMissing(value: string): boolean {
    const length = value.length;
    if (length === 0) return this.hasEmptyMissing;
    // Most fields have no marker of their length, which saves a set lookup.
    if ((this.missingLengths & (1 << Math.min(length, 31))) === 0) return false;
    return this.missing.has(value);
  }
}

/**
 * Checks records against the model and parses their numbers and labels.
 * After `check` returns `null`, `numbers` contains the raw value of every
 * numeric feature (NaN when missing) and `labels` every task label.
 */
export class RowChecker {
  readonly layout: ColumnLayout;
  /** Raw numeric values, one slot per feature (NaN for non-numeric features). */
  readonly numbers: Float64Array;
  readonly labels: Float32Array;
  private readonly features: readonly FeatureIr[];
  private readonly tasks: readonly TaskIr[];
  private readonly skip: boolean;

  constructor(model: DataModel, layout: ColumnLayout) {
    this.layout = layout;
    this.features = model.features;
    this.tasks = model.tasks;
    this.numbers = new Float64Array(model.features.length);
    this.labels = new Float32Array(model.tasks.length);
    this.skip = model.dataset.source.badRows === "skip";
  }

  /**
   * Returns `null` for a good record, or the reason it is bad when bad rows
   * are skipped. Throws a positioned `DataError` when they are not.
   */
  check(block: CsvRecordBlock, record: number): BadRowReason | null {
    const layout = this.layout;
    const start = block.offsets[record];
    const width = block.offsets[record + 1] - start;
    if (width !== layout.header.length) {
      if (this.skip) return "column_count";
      throw new DataError({
        code: "HMD4004",
        message: `row has ${width} field${width === 1 ? "" : "s"}, but the header has ${layout.header.length}`,
        file: layout.file,
        line: block.lines[record],
        column: 1,
        lineText: recordLineText(block, record, block.lines[record]),
        length: recordLineText(block, record, block.lines[record]).length,
        help: "quote fields that contain the delimiter, or set `bad_rows skip` in the dataset to skip such rows",
      });
    }
    const fields = block.fields;
    for (let f = 0; f < this.features.length; f++) {
      const feature = this.features[f];
      const at = start + layout.featureColumns[f];
      const value = fields[at];
      const missing = layout.isMissing(value);
      if (feature.kind === "numeric") {
        if (missing) {
          if (feature.missing.policy === "error") {
            if (this.skip) return "missing_value";
            throw this.missingError(block, record, at, feature.name);
          }
          this.numbers[f] = NaN;
          continue;
        }
        const number = parseNumber(value);
        if (Number.isNaN(number)) {
          if (this.skip) return "invalid_number";
          throw new DataError({
            code: "HMD4005",
            message: `invalid number ${JSON.stringify(value)} in column \`${feature.column}\` of numeric feature \`${feature.name}\``,
            file: layout.file,
            line: block.fieldLines[at],
            column: block.fieldColumns[at],
            lineText: recordLineText(block, record, block.fieldLines[at]),
            length: value.length,
            help: "write a decimal number, add the value to `missing_values` if it means missing, or set `bad_rows skip`",
          });
        }
        this.numbers[f] = number;
      } else if (missing && feature.missing === "error") {
        if (this.skip) return "missing_value";
        throw this.missingError(block, record, at, feature.name);
      }
    }
    for (let t = 0; t < this.tasks.length; t++) {
      const at = start + layout.labelColumns[t];
      const label = parseLabel(fields[at]);
      if (label < 0) {
        if (this.skip) return "invalid_label";
        throw new DataError({
          code: "HMD4006",
          message: `invalid label ${JSON.stringify(fields[at])} in column \`${this.tasks[t].label}\` of task \`${this.tasks[t].name}\`: expected 0 or 1`,
          file: layout.file,
          line: block.fieldLines[at],
          column: block.fieldColumns[at],
          lineText: recordLineText(block, record, block.fieldLines[at]),
          length: fields[at].length,
          help: "labels must be 0 or 1; set `bad_rows skip` to skip such rows",
        });
      }
      this.labels[t] = label;
    }
    return null;
  }

  private missingError(
    block: CsvRecordBlock,
    record: number,
    at: number,
    feature: string,
  ): DataError {
    return new DataError({
      code: "HMD4007",
      message: `missing value for feature \`${feature}\`, whose \`missing\` policy is \`error\``,
      file: this.layout.file,
      line: block.fieldLines[at],
      column: block.fieldColumns[at],
      lineText: recordLineText(block, record, block.fieldLines[at]),
      length: Math.max(1, block.fields[at].length),
      help: "fill in the value, choose another `missing` policy for the feature, or set `bad_rows skip`",
    });
  }
}

/**
 * Parses a decimal number (optional sign, digits, fraction, exponent).
 * Returns NaN for anything else, including hex, `Infinity` and values
 * with surrounding spaces, which `Number()` would accept.
 */
export function parseNumber(value: string): number {
  const number = +value;
  if (!Number.isFinite(number) || value.length === 0) return NaN;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  const firstOk =
    (first >= 0x30 && first <= 0x39) ||
    first === 0x2b ||
    first === 0x2d ||
    first === 0x2e;
  const lastOk = (last >= 0x30 && last <= 0x39) || last === 0x2e;
  if (!firstOk || !lastOk) return NaN;
  if (value.length > 1) {
    const second = value.charCodeAt(1) | 0x20;
    if (second === 0x78 || second === 0x6f || second === 0x62) return NaN;
  }
  return number;
}

/** Returns 0 or 1 for a label field, or -1 when it is neither. */
export function parseLabel(value: string): number {
  if (value === "1") return 1;
  if (value === "0") return 0;
  const number = parseNumber(value);
  return number === 0 || number === 1 ? number : -1;
}
