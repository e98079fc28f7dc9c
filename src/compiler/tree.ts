/**
 * The merge tree: declaration bodies with every entry tagged by the file it
 * came from, so `extends` and experiment variants can merge entries from
 * several files and messages still point at the right text.
 */

import type { Span } from "../diagnostics/span.js";
import type { Block, Entry, Value, Vary } from "../parser/ast.js";

/** An entry of a block, with the file that wrote it. */
export interface TreeEntry {
  readonly key: string;
  readonly keyLoc: Span;
  readonly loc: Span;
  readonly file: string;
  readonly values: readonly Value[];
  readonly block: TreeBlock | null;
}

/** A `vary PATH in [..]` entry, with its file. */
export interface TreeVary {
  readonly node: Vary;
  readonly file: string;
}

/** A block whose entries may come from several files. */
export interface TreeBlock {
  readonly loc: Span;
  readonly file: string;
  readonly entries: readonly TreeEntry[];
  readonly varies: readonly TreeVary[];
  /**
   * Whether part of the block is unknown (an unknown parent, a missing
   * import). Absent required keys are then not reported, because the
   * unknown part may have set them.
   */
  readonly partial?: boolean;
}

/** Keys whose values name children; children merge by name. */
export const namedKeys: ReadonlySet<string> = new Set([
  "group",
  "task",
  "categorical",
  "numeric",
  "multi",
  "variant",
]);

/**
 * Converts a parsed block. A named entry with several names
 * (`categorical a, b { .. }`) becomes one entry per name, sharing the
 * block, so each feature merges and is reported on its own.
 */
export function toTree(block: Block, file: string): TreeBlock {
  const entries: TreeEntry[] = [];
  const varies: TreeVary[] = [];
  for (const item of block.entries) {
    if (item.kind === "Vary") {
      varies.push({ node: item, file });
      continue;
    }
    entries.push(...explode(item, file));
  }
  return { loc: block.loc, file, entries, varies };
}

function explode(entry: Entry, file: string): TreeEntry[] {
  const block = entry.block === null ? null : toTree(entry.block, file);
  const base = {
    key: entry.key.name,
    keyLoc: entry.key.loc,
    loc: entry.loc,
    file,
    block,
  };
  if (!namedKeys.has(entry.key.name) || entry.values.length <= 1) {
    return [{ ...base, values: entry.values }];
  }
  return entry.values.map((value) => ({ ...base, values: [value] }));
}

/** Returns the child name of a named entry, or `null` when the first value is no identifier. */
export function childName(entry: TreeEntry): string | null {
  const first = entry.values[0];
  return first !== undefined && first.kind === "Identifier" ? first.name : null;
}

/** Features of any kind share one namespace, so a child may change a feature's kind. */
function identity(entry: TreeEntry): string {
  const family =
    entry.key === "numeric" || entry.key === "multi"
      ? "categorical"
      : entry.key;
  return namedKeys.has(entry.key)
    ? `${family}:${childName(entry) ?? ""}`
    : entry.key;
}

/** Renders values without spans, for comparing `backbone mmoe` with `backbone ple`. */
function valueText(values: readonly Value[]): string {
  return JSON.stringify(values, (key, value: unknown) =>
    key === "loc" || key === "raw" ? undefined : value,
  );
}

/**
 * Merges `child` over `parent`. A property replaces the parent's, and a
 * named child merges with the same-named one. A block merges with the
 * parent's block when both have one and their values are equal
 * (`backbone mmoe` over `backbone mmoe`), and replaces it otherwise
 * (`hierarchy off`, another backbone kind). New entries follow the parent's.
 */
export function mergeBlocks(parent: TreeBlock, child: TreeBlock): TreeBlock {
  const entries = [...parent.entries];
  const parentCount = entries.length;
  const merged = new Set<number>();
  for (const entry of child.entries) {
    const id = identity(entry);
    // Each parent entry is a merge target once: a duplicate inside the
    // child stays next to the first, so the checker reports it.
    const index = entries
      .slice(0, parentCount)
      .findIndex((candidate) => identity(candidate) === id);
    if (index < 0 || merged.has(index)) {
      entries.push(entry);
      continue;
    }
    merged.add(index);
    entries[index] = mergeEntry(entries[index], entry);
  }
  const varies = [...parent.varies];
  for (const vary of child.varies) {
    const path = pathText(vary);
    const index = varies.findIndex((candidate) => pathText(candidate) === path);
    if (index < 0) varies.push(vary);
    else varies[index] = vary;
  }
  return { loc: child.loc, file: child.file, entries, varies };
}

function mergeEntry(parent: TreeEntry, child: TreeEntry): TreeEntry {
  if (child.block === null || parent.block === null) return child;
  const sameValues =
    child.values.length === 0 ||
    valueText(child.values) === valueText(parent.values);
  if (!sameValues) return child;
  // Values keep the spans of the file that wrote them.
  const owner = child.values.length === 0 ? parent : child;
  return { ...owner, block: mergeBlocks(parent.block, child.block) };
}

function pathText(vary: TreeVary): string {
  return vary.node.path.segments.map((segment) => segment.name).join(".");
}

/** Marks `block` and every block inside it as partial. */
export function markPartial(block: TreeBlock): TreeBlock {
  return {
    ...block,
    partial: true,
    entries: block.entries.map((entry) =>
      entry.block === null
        ? entry
        : { ...entry, block: markPartial(entry.block) },
    ),
  };
}
