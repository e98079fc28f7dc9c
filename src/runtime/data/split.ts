/**
 * Assigns every data record (by its 0-based index after the header) to the
 * training, validation or test part, deterministically.
 */
import type { SplitIr } from "../../compiler/ir.js";
import { hashUnit } from "./hash.js";

/** A part of the dataset. */
export type SplitName = "train" | "valid" | "test";

/** Part codes used in hot loops: index into `SPLIT_NAMES`. */
export const TRAIN = 0;
export const VALID = 1;
export const TEST = 2;
export const SPLIT_NAMES: readonly SplitName[] = ["train", "valid", "test"];

/**
 * Returns a function from (record index, split-column value) to a part
 * code. An `ordered` split needs the number of data records in the file:
 * the last `test` fraction is the test part, the `valid` fraction before it
 * the validation part (each rounded down to whole rows).
 */
export function makeSplitter(
  split: SplitIr,
  dataRecords: number | null,
): (index: number, columnValue: string | undefined) => number {
  switch (split.kind) {
    case "random": {
      const { seed, valid, test } = split;
      return (index) => {
        const u = hashUnit(seed, index);
        if (u < test) return TEST;
        if (u < test + valid) return VALID;
        return TRAIN;
      };
    }
    case "ordered": {
      if (dataRecords === null) {
        throw new Error("an ordered split needs the record count of the file");
      }
      const testRows = Math.floor(dataRecords * split.test);
      const validRows = Math.floor(dataRecords * split.valid);
      const validStart = dataRecords - testRows - validRows;
      const testStart = dataRecords - testRows;
      return (index) =>
        index >= testStart ? TEST : index >= validStart ? VALID : TRAIN;
    }
    case "column": {
      const valid = new Set(split.valid);
      const test = new Set(split.test);
      return (_index, value) => {
        if (value === undefined) return TRAIN;
        if (test.has(value)) return TEST;
        if (valid.has(value)) return VALID;
        return TRAIN;
      };
    }
  }
}
