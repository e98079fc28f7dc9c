/**
 * Lowers checked `dataset` and `features` blocks into the IR's data
 * shapes, with defaults applied and feature and table settings checked.
 */

import path from "node:path";

import { diagnostic } from "../diagnostics/codes.js";
import type { CheckedBlock, CheckedChild } from "./decode.js";
import {
  emptyBlock,
  itemPlace,
  placeOf,
  type LoweringContext,
  type Place,
} from "./context.js";
import type {
  CategoricalMissing,
  DatasetIr,
  FeatureIr,
  GroupIr,
  NumericMissing,
  SplitIr,
  TableIr,
} from "./ir.js";
import type { SettingValue } from "./signature-types.js";
import { featureSignatures, type FeatureKind } from "./signatures.js";

type Args = { readonly [key: string]: SettingValue };

/** Lowers a dataset; `source` is resolved against the declaring file's folder. */
export function lowerDataset(
  name: string,
  block: CheckedBlock,
  declared: Place,
  context: LoweringContext,
  dataOverride?: string,
): DatasetIr {
  const sourcePlace = placeOf(block, "source", declared);
  context.sourcePlace = sourcePlace;
  const sourceText = String(block.value("source") ?? "");
  const sourcePath =
    dataOverride !== undefined
      ? path.resolve(dataOverride)
      : path.resolve(path.dirname(sourcePlace.file), sourceText);

  let scenario: DatasetIr["scenario"] = null;
  const scenarioColumn = block.value("scenario");
  if (typeof scenarioColumn === "string") {
    const options = block.block("scenario");
    scenario = {
      column: scenarioColumn,
      top: (options?.value("top") as number | null) ?? null,
      minRows: (options?.value("min_rows") as number | null) ?? 1,
    };
    context.useColumn(
      scenarioColumn,
      placeOf(block, "scenario", declared),
      "the scenario",
    );
  }

  const populations = (block.value("populations") as string[]) ?? [];
  populations.forEach((column, index) =>
    context.useColumn(
      column,
      itemPlace(block, "populations", index, declared),
      "a population",
    ),
  );

  const split = lowerSplit(block, declared, context);
  context.mark("dataset", declared);
  return {
    id: "dataset",
    name,
    source: {
      path: sourcePath,
      delimiter: String(block.value("delimiter")),
      missingValues: block.value("missing") as string[],
      badRows: block.value("bad_rows") as "error" | "skip",
    },
    scenario,
    populations,
    split,
  };
}

function lowerSplit(
  block: CheckedBlock,
  declared: Place,
  context: LoweringContext,
): SplitIr {
  const split = block.value("split") as Args;
  const place = placeOf(block, "split", declared);
  if (split.kind === "column") {
    context.useColumn(String(split.column), place, "the split");
    return {
      kind: "column",
      column: String(split.column),
      valid: split.valid as string[],
      test: split.test as string[],
    };
  }
  const valid = split.valid as number;
  const test = split.test as number;
  if (valid + test >= 1) {
    context.report(
      diagnostic("HMD2021", {
        ...place,
        message: `\`valid\` and \`test\` add up to ${+(valid + test).toFixed(6)}, leaving no training rows`,
        label: "fractions sum to 1 or more",
        help: "make `valid + test` less than 1, for example `valid: 0.1, test: 0.1`",
      }),
    );
  }
  return split.kind === "random"
    ? { kind: "random", seed: split.seed as number, valid, test }
    : { kind: "ordered", valid, test };
}

/** A lowered feature with where it was declared. */
export interface FeatureEntry {
  readonly feature: FeatureIr;
  readonly place: Place;
  /** The embedding width it adds to `E` (1 for a scalar numeric). */
  readonly width: number;
}

/** The lowered features block. */
export interface FeatureSet {
  /** Grouped features, in `E` order. */
  readonly features: readonly FeatureEntry[];
  readonly groups: readonly GroupIr[];
  readonly tables: readonly TableIr[];
}

interface TableDraft {
  table: TableIr & { features: string[] };
  owner: FeatureEntry;
  settings: string;
}

/**
 * Lowers a features block. A feature outside every group is not a model
 * input: it is left out with an `unused feature` warning.
 */
export function lowerFeatures(
  block: CheckedBlock,
  context: LoweringContext,
): FeatureSet {
  const rootDim = block.value("embedding") as number;
  const features: FeatureEntry[] = [];
  const groups: GroupIr[] = [];
  const tables = new Map<string, TableDraft>();

  for (const child of block.named("categorical", "numeric", "multi")) {
    context.report(
      diagnostic("HMD2023", {
        file: child.entry.file,
        span: child.entry.values[0].loc,
        message: `feature \`${child.name}\` is in no group, so no model reads it`,
        label: "declared outside every group",
        help: "move it into a `group` to make it a model input, or remove it",
      }),
    );
  }

  for (const group of block.named("group")) {
    const groupBlock = group.block;
    if (groupBlock === null) continue;
    const groupDim =
      (groupBlock.value("embedding") as number | null) ?? rootDim;
    const members = groupBlock.named("categorical", "numeric", "multi");
    if (members.length === 0) {
      context.report(
        diagnostic("HMD2034", {
          file: group.entry.file,
          span: group.entry.values[0].loc,
          message: `group \`${group.name}\` has no features`,
          help: "declare features in it or remove it",
        }),
      );
      continue;
    }
    for (const member of members) {
      const entry = lowerFeature(member, group.name, groupDim, context, tables);
      if (entry !== null) features.push(entry);
    }
    groups.push({
      name: group.name,
      features: members.map((member) => member.name),
    });
  }
  return {
    features,
    groups,
    tables: [...tables.values()].map((draft) => draft.table),
  };
}

function lowerFeature(
  child: CheckedChild,
  group: string,
  groupDim: number,
  context: LoweringContext,
  tables: Map<string, TableDraft>,
): FeatureEntry | null {
  const settings =
    child.block ??
    emptyBlock(featureSignatures[child.key as FeatureKind], child.entry.file);
  const place: Place = {
    file: child.entry.file,
    span: child.entry.values[0].loc,
  };
  const value = (key: string): SettingValue => settings.value(key);
  const column = (value("column") as string | null) ?? child.name;
  const dim = (value("embedding") as number | null) ?? groupDim;
  const tableName = (value("table") as string | null) ?? child.name;
  const id = `feature.${child.name}`;
  context.mark(id, place);
  context.useColumn(
    column,
    placeOf(settings, "column", place),
    `feature \`${child.name}\``,
  );

  if (child.key === "numeric") {
    const buckets = value("buckets") as number[] | null;
    const missing = lowerNumericMissing(value("missing"));
    if (buckets === null) {
      for (const key of ["embedding", "table"]) {
        if (settings.has(key) === true) {
          conflict(
            context,
            placeOf(settings, key, place),
            `\`${key}\``,
            "`buckets`",
            child.name,
          );
        }
      }
      const feature: FeatureIr = {
        id,
        name: child.name,
        column,
        group,
        kind: "numeric",
        missing,
        transform: {
          kind: value("normalize") as "none" | "zscore" | "minmax" | "log1p",
        },
      };
      return { feature, place, width: 1 };
    }
    if (settings.has("normalize") === true) {
      conflict(
        context,
        placeOf(settings, "normalize", place),
        "`normalize`",
        "`buckets`",
        child.name,
        true,
      );
    }
    for (let index = 1; index < buckets.length; index++) {
      if (buckets[index] > buckets[index - 1]) continue;
      context.report(
        diagnostic("HMD2014", {
          ...itemPlace(settings, "buckets", index, place),
          message: `bucket boundaries of \`${child.name}\` must increase, found ${buckets[index - 1]} then ${buckets[index]}`,
          label: "not greater than the previous boundary",
        }),
      );
      break;
    }
    const feature: FeatureIr = {
      id,
      name: child.name,
      column,
      group,
      kind: "numeric",
      missing,
      transform: { kind: "buckets", boundaries: buckets, table: tableName },
    };
    const entry = { feature, place, width: dim };
    addTable(
      tables,
      tableName,
      dim,
      { kind: "buckets", buckets: buckets.length + 1 },
      entry,
      context,
    );
    return entry;
  }

  const hash = value("hash") as number | null;
  if (hash !== null) {
    for (const key of ["min_count", "max_size"]) {
      if (settings.has(key) === true) {
        conflict(
          context,
          placeOf(settings, key, place),
          `\`${key}\``,
          "`hash`",
          child.name,
          true,
        );
      }
    }
  }
  const vocabulary: TableIr["vocabulary"] =
    hash !== null
      ? { kind: "hash", buckets: hash }
      : {
          kind: "vocabulary",
          minCount: value("min_count") as number,
          maxSize: value("max_size") as number | null,
        };
  const feature: FeatureIr =
    child.key === "multi"
      ? {
          id,
          name: child.name,
          column,
          group,
          kind: "multi",
          table: tableName,
          separator: value("separator") as string,
          pooling: value("pooling") as "mean" | "sum" | "max",
          maxLength: value("max_length") as number,
          missing: value("missing") as "row" | "error",
        }
      : {
          id,
          name: child.name,
          column,
          group,
          kind: "categorical",
          table: tableName,
          missing: value("missing") as CategoricalMissing,
        };
  const entry = { feature, place, width: dim };
  addTable(tables, tableName, dim, vocabulary, entry, context);
  return entry;
}

function lowerNumericMissing(value: SettingValue): NumericMissing {
  if (typeof value === "number") return { policy: "value", value };
  return { policy: value as "zero" | "mean" | "error" };
}

function conflict(
  context: LoweringContext,
  place: Place,
  key: string,
  other: string,
  feature: string,
  present = false,
): void {
  context.report(
    diagnostic("HMD2039", {
      ...place,
      message: present
        ? `${key} cannot be combined with ${other} in feature \`${feature}\``
        : `${key} needs ${other} in feature \`${feature}\``,
      label: "conflicting key",
      help: present
        ? `remove ${key} or ${other}`
        : `add ${other} or remove ${key}`,
    }),
  );
}

function addTable(
  tables: Map<string, TableDraft>,
  name: string,
  dim: number,
  vocabulary: TableIr["vocabulary"],
  owner: FeatureEntry,
  context: LoweringContext,
): void {
  const settings = JSON.stringify({ dim, vocabulary });
  const existing = tables.get(name);
  if (existing === undefined) {
    const table = {
      id: `table.${name}`,
      name,
      dim,
      vocabulary,
      features: [owner.feature.name],
    };
    tables.set(name, { table, owner, settings });
    context.mark(table.id, owner.place);
    return;
  }
  if (existing.settings !== settings) {
    const first = existing.table;
    context.report(
      diagnostic("HMD2024", {
        ...owner.place,
        message: `feature \`${owner.feature.name}\` shares table \`${name}\` with \`${existing.owner.feature.name}\` but not its settings`,
        label: `embedding ${dim}, ${describeVocabulary(vocabulary)}`,
        labels: [
          {
            ...existing.owner.place,
            text: `embedding ${first.dim}, ${describeVocabulary(first.vocabulary)}`,
          },
        ],
        help: "features that share a table need the same `embedding`, `hash`, `min_count` and `max_size`",
      }),
    );
    return;
  }
  existing.table.features.push(owner.feature.name);
}

function describeVocabulary(vocabulary: TableIr["vocabulary"]): string {
  switch (vocabulary.kind) {
    case "hash":
      return `hash ${vocabulary.buckets}`;
    case "buckets":
      return `${vocabulary.buckets} buckets`;
    case "vocabulary":
      return `min_count ${vocabulary.minCount}, max_size ${vocabulary.maxSize ?? "none"}`;
  }
}
