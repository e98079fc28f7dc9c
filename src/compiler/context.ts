/**
 * State shared by the lowering steps of one model: the diagnostics sink,
 * the IR id -> span table, and the column references waiting for the CSV
 * header check.
 */

import type { Span } from "../diagnostics/span.js";
import type { Report } from "./decode.js";
import { CheckedBlock } from "./decode.js";
import type { IrSpanTable } from "./ir.js";
import type { BlockSignature } from "./signature-types.js";
import type { TreeBlock } from "./tree.js";

/** A place in a spec file. */
export interface Place {
  readonly file: string;
  readonly span: Span;
}

/** A column name the spec uses, with where it was written. */
export interface ColumnReference extends Place {
  readonly column: string;
  /** What reads the column, for messages: `feature \`user_id\``. */
  readonly user: string;
}

/** The mutable state of one lowering. */
export class LoweringContext {
  readonly spans: {
    [id: string]: { file: string; start: number; end: number };
  } = {};
  readonly columns: ColumnReference[] = [];
  /** Where the dataset's `source` was written, once the dataset is lowered. */
  sourcePlace: Place | null = null;
  errors = 0;

  constructor(private readonly sink: Report) {}

  /** Reports a diagnostic and counts errors. */
  readonly report: Report = (item) => {
    if (item.severity === "error") this.errors++;
    this.sink(item);
  };

  /** Records the spec text an IR node came from. */
  mark(id: string, place: Place): void {
    this.spans[id] = {
      file: place.file,
      start: place.span.start,
      end: place.span.end,
    };
  }

  /** Records a column reference for the header check. */
  useColumn(column: string, place: Place, user: string): void {
    this.columns.push({ column, user, ...place });
  }

  /** The finished span table. */
  spanTable(): IrSpanTable {
    return this.spans;
  }
}

/** Where a key's value was written, else `fallback`. */
export function placeOf(
  block: CheckedBlock | null,
  key: string,
  fallback: Place,
): Place {
  const entry = block?.entries.get(key);
  if (entry === undefined) return fallback;
  const decoded = entry.decoded;
  if (decoded !== null) return { file: decoded.file, span: decoded.loc };
  return { file: entry.entry.file, span: entry.entry.keyLoc };
}

/** Where the n-th item of a list-valued key was written, else the key's place. */
export function itemPlace(
  block: CheckedBlock | null,
  key: string,
  index: number,
  fallback: Place,
): Place {
  const item = block?.entries.get(key)?.decoded?.items[index];
  return item === undefined
    ? placeOf(block, key, fallback)
    : { file: item.file, span: item.loc };
}

/** A checked block with no entries, so defaults apply to an absent block. */
export function emptyBlock(
  signature: BlockSignature,
  file: string,
): CheckedBlock {
  const tree: TreeBlock = {
    loc: { start: 0, end: 0 },
    file,
    entries: [],
    varies: [],
  };
  return new CheckedBlock(signature, tree, new Map(), []);
}
