import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type {
  DatasetIr,
  FeatureIr,
  SplitIr,
  TableIr,
} from "../../src/compiler/ir.js";
import type { DataModel } from "../../src/runtime/data/rows.js";

/** Writes `text` to a new file in a fresh temp directory and returns its path. */
export function tempFile(name: string, text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "hmdnc-data-")), name);
  writeFileSync(path, text);
  return path;
}

/** Builds a categorical feature that reads its own vocabulary table. */
export function categorical(
  name: string,
  options: Partial<{ missing: "row" | "oov" | "error"; table: string }> = {},
): FeatureIr {
  return {
    id: `f.${name}`,
    name,
    column: name,
    group: "g",
    kind: "categorical",
    table: options.table ?? name,
    missing: options.missing ?? "row",
  };
}

/** Builds a multi-value feature that reads its own vocabulary table. */
export function multi(name: string, maxLength: number): FeatureIr {
  return {
    id: `f.${name}`,
    name,
    column: name,
    group: "g",
    kind: "multi",
    table: name,
    separator: "|",
    pooling: "mean",
    maxLength,
    missing: "row",
  };
}

/** Builds a numeric feature. */
export function numeric(
  name: string,
  transform: Extract<FeatureIr, { kind: "numeric" }>["transform"] = {
    kind: "none",
  },
  missing: Extract<FeatureIr, { kind: "numeric" }>["missing"] = {
    policy: "error",
  },
): FeatureIr {
  return {
    id: `f.${name}`,
    name,
    column: name,
    group: "g",
    kind: "numeric",
    missing,
    transform,
  };
}

/** Builds a vocabulary table for a categorical or multi feature. */
export function vocabularyTable(
  name: string,
  minCount = 1,
  maxSize: number | null = null,
): TableIr {
  return {
    id: `t.${name}`,
    name,
    dim: 4,
    vocabulary: { kind: "vocabulary", minCount, maxSize },
    features: [name],
  };
}

/** Builds a data model with one `click` task on `label`. */
export function model(options: {
  path: string;
  features: FeatureIr[];
  tables?: TableIr[];
  split?: SplitIr;
  scenario?: DatasetIr["scenario"];
  badRows?: "error" | "skip";
  missingValues?: string[];
  gaucBy?: string | null;
  delimiter?: string;
  label?: string;
}): DataModel {
  const tables =
    options.tables ??
    options.features
      .filter((f) => f.kind !== "numeric")
      .map((f) => vocabularyTable((f as { table: string }).table));
  return {
    dataset: {
      id: "d",
      name: "d",
      source: {
        path: options.path,
        delimiter: options.delimiter ?? ",",
        missingValues: options.missingValues ?? ["", "NULL"],
        badRows: options.badRows ?? "error",
      },
      scenario: options.scenario ?? null,
      populations: [],
      split: options.split ?? { kind: "ordered", valid: 0, test: 0 },
    },
    features: options.features,
    tables,
    tasks: [
      {
        id: "task.click",
        name: "click",
        label: options.label ?? "click",
        loss: "bce",
        weight: 1,
        tower: [],
        towers: "shared",
      },
    ],
    evaluate: { gaucBy: options.gaucBy ?? null },
  };
}
