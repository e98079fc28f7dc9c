/**
 * The result of checking a block against its signature: decoded values
 * with their spans, named children, and the signature's defaults.
 */

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import {
  findKey,
  type BlockSignature,
  type SettingValue,
} from "./signature-types.js";
import type { TreeBlock, TreeEntry } from "./tree.js";

/** Collects diagnostics; every stage reports instead of throwing. */
export type Report = (item: Diagnostic) => void;

/** A decoded value with its span, and the spans of its parts. */
export interface Decoded {
  readonly value: SettingValue;
  readonly file: string;
  readonly loc: Span;
  /** List items (or the values of a `many` key). */
  readonly items: readonly Decoded[];
  /** Call arguments by name, for the arguments written out. */
  readonly args: Readonly<Record<string, Decoded>>;
}

/** A present, non-named key. */
export interface CheckedEntry {
  readonly entry: TreeEntry;
  readonly decoded: Decoded | null;
  readonly block: CheckedBlock | null;
}

/** A named child such as `task click`. */
export interface CheckedChild {
  readonly key: string;
  readonly name: string;
  readonly entry: TreeEntry;
  readonly block: CheckedBlock | null;
}

/** A checked block: decoded keys, named children, and defaults. */
export class CheckedBlock {
  constructor(
    readonly signature: BlockSignature,
    readonly tree: TreeBlock,
    readonly entries: ReadonlyMap<string, CheckedEntry>,
    readonly children: readonly CheckedChild[],
  ) {}

  /** Returns whether the spec wrote the key. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Returns the decoded value, else the signature's default, else `null`. */
  value(key: string): SettingValue {
    const decoded = this.entries.get(key)?.decoded;
    if (decoded !== undefined && decoded !== null) return decoded.value;
    return findKey(this.signature, key)?.default ?? null;
  }

  /** Returns the nested block of a key, or `null` when none was written. */
  block(key: string): CheckedBlock | null {
    return this.entries.get(key)?.block ?? null;
  }

  /** Returns the named children with the given keys, in source order. */
  named(...keys: string[]): CheckedChild[] {
    return this.children.filter((child) => keys.includes(child.key));
  }
}

/** The place that a missing required key is reported at, with the block's name. */
export interface Owner {
  readonly file: string;
  readonly span: Span;
  readonly what: string;
}
