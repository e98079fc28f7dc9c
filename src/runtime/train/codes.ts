import type { DataBatch } from "../data/index.js";
import { readCsvBlocks } from "../data/csv.js";
import { homogeneity, nmi } from "../metrics/index.js";
import type { Network } from "../types.js";
import { RunDirectoryError } from "./run.js";

/**
 * Agreement between the quantizer's codes and a labelled column of the
 * data, such as the planted `true_*` columns of synthetic files. Per level
 * it measures the normalised mutual information of the level's own code
 * and of the code prefix `(c_1, ..., c_d)` that identifies `s_d`. It also
 * measures the homogeneity of the level's code, which is 1 when each code
 * contains one value of the column only.
 */

/** The agreement of one level's codes with one column. */
export interface LevelAgreement {
  /** 1-based level. */
  readonly level: number;
  /** `nmi(c_d, column)`. */
  readonly code: number;
  /** `nmi((c_1..c_d), column)`: the partition that `s_d` induces. */
  readonly prefix: number;
  /** `homogeneity(c_d, column)`: 1 when no code mixes values of the column. */
  readonly homogeneity: number;
  /** Distinct codes at this level over the scored rows. */
  readonly distinctCodes: number;
}

/** The agreement of every level with one column. */
export interface CodeAgreement {
  readonly column: string;
  readonly rows: number;
  /** Distinct values of the column over the scored rows. */
  readonly distinctValues: number;
  readonly levels: readonly LevelAgreement[];
}

/**
 * Collects the codes of the rows that count (weight > 0) with their
 * physical CSV lines, batch by batch.
 */
export class CodeCollector {
  private readonly codes: number[] = [];
  private readonly lines: number[] = [];
  private levelCount = 0;

  constructor(private readonly network: Network) {}

  /** Assigns codes to the batch's rows and keeps those of the rows that count. */
  add(item: DataBatch): void {
    const codes = this.network.assignCodes(item.batch);
    if (codes === null) {
      throw new Error("the model has no hierarchy, so it assigns no codes");
    }
    const { batch, meta } = item;
    const levels = codes.length / batch.size;
    this.levelCount = levels;
    for (let i = 0; i < batch.size; i++) {
      if (!(batch.weights[i] > 0)) continue;
      this.lines.push(meta.lines[i]);
      for (let d = 0; d < levels; d++) this.codes.push(codes[i * levels + d]);
    }
  }

  /** The number of levels seen (0 before the first batch). */
  get levels(): number {
    return this.levelCount;
  }

  /** The collected codes, row-major `[rows * levels]`, and each row's line. */
  result(): { codes: Int32Array; lines: Int32Array } {
    return {
      codes: Int32Array.from(this.codes),
      lines: Int32Array.from(this.lines),
    };
  }
}

/**
 * Reads the raw values of `columns` at the given physical lines of a CSV
 * file (1-based, as `BatchMeta.lines` gives them). Throws a
 * `RunDirectoryError` (a user error) naming the column when the header
 * lacks it.
 */
export async function readColumnsAtLines(
  path: string,
  delimiter: string,
  columns: readonly string[],
  lines: Int32Array,
): Promise<string[][]> {
  const rowOfLine = new Map<number, number>();
  lines.forEach((line, row) => rowOfLine.set(line, row));
  const values = columns.map(() => new Array<string>(lines.length).fill(""));
  let indices: number[] | null = null;
  for await (const block of readCsvBlocks(path, { delimiter })) {
    for (let r = 0; r < block.count; r++) {
      const start = block.offsets[r];
      if (indices === null) {
        const header = block.fields.slice(start, block.offsets[r + 1]);
        indices = columns.map((column) => {
          const index = header.indexOf(column);
          if (index < 0) {
            throw new RunDirectoryError(
              `the file ${path} has no column "${column}" to compare codes against`,
            );
          }
          return index;
        });
        continue;
      }
      const row = rowOfLine.get(block.lines[r]);
      if (row === undefined) continue;
      indices.forEach((index, c) => {
        values[c][row] = block.fields[start + index] ?? "";
      });
    }
  }
  return values;
}

/** Returns the agreement of `codes` (`[rows * levels]`) with `labels`. */
export function codeAgreement(
  column: string,
  codes: Int32Array,
  levels: number,
  labels: readonly string[],
): CodeAgreement {
  const rows = labels.length;
  const result: LevelAgreement[] = [];
  const prefix = new Array<string>(rows).fill("");
  for (let d = 0; d < levels; d++) {
    const level = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      level[i] = codes[i * levels + d];
      prefix[i] = d === 0 ? String(level[i]) : `${prefix[i]}.${level[i]}`;
    }
    result.push({
      level: d + 1,
      code: nmi(level, labels),
      prefix: nmi(prefix, labels),
      homogeneity: homogeneity(level, labels),
      distinctCodes: new Set(level).size,
    });
  }
  return {
    column,
    rows,
    distinctValues: new Set(labels).size,
    levels: result,
  };
}
