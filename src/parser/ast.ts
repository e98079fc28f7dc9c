import type { Span } from "../diagnostics/span.js";

/**
 * The abstract syntax tree of one `.hmdn` file.
 *
 * The language is deliberately uniform: a file is imports followed by
 * declarations, a declaration has a body block, and a block is a list of
 * entries `key value, value { nested block }`. Which keys a block accepts,
 * and what their values mean, is the checker's business (its block
 * signatures), so the parser, the formatter and the editor grammar never
 * need to change when a backbone gains a parameter.
 *
 * Every node carries `loc`, a span of UTF-16 offsets into the file text
 * (after a byte order mark is stripped).
 */

/** The keywords that open a top-level declaration. */
export type DeclarationKeyword =
  | "dataset"
  | "features"
  | "model"
  | "experiment";

export interface SpecFile {
  readonly kind: "SpecFile";
  readonly loc: Span;
  readonly imports: readonly Import[];
  readonly declarations: readonly Declaration[];
  /** Every comment of the file in source order, for the formatter. */
  readonly comments: readonly Comment[];
}

/** `import "path/to/other.hmdn"`; the path is relative to the importing file. */
export interface Import {
  readonly kind: "Import";
  readonly loc: Span;
  readonly path: StringLiteral;
}

/** `model hmdn_mmoe extends mmoe { ... }` and the other declaration kinds. */
export interface Declaration {
  readonly kind: "Declaration";
  readonly loc: Span;
  readonly keyword: DeclarationKeyword;
  readonly keywordLoc: Span;
  readonly name: Identifier;
  readonly extends: Identifier | null;
  readonly body: Block;
}

/** `{ entry* }` */
export interface Block {
  readonly kind: "Block";
  readonly loc: Span;
  readonly entries: readonly (Entry | Vary)[];
}

/**
 * `key value, value { block }`: a property (`levels 6`), a named child
 * (`categorical user_id { min_count 2 }`) or a nested block
 * (`train { ... }`). Either the values or the block may be absent, not both.
 * The key may be a keyword (`hierarchy`, `task`) or a plain identifier.
 */
export interface Entry {
  readonly kind: "Entry";
  readonly loc: Span;
  readonly key: Identifier;
  readonly values: readonly Value[];
  readonly block: Block | null;
}

/** `vary hierarchy.levels in [1, 2, 4]`, only meaningful in an experiment. */
export interface Vary {
  readonly kind: "Vary";
  readonly loc: Span;
  readonly path: Path;
  readonly values: ListValue;
}

export type Value =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | Identifier
  | Path
  | ListValue
  | Call;

/**
 * `42`, `-0.5`, `1e-3`, `100k` (thousands) or `2M` (millions). `value` is
 * the number after the suffix is applied; `raw` is the text as written. A
 * malformed literal (reported as HMD1005) has the value NaN.
 */
export interface NumberLiteral {
  readonly kind: "NumberLiteral";
  readonly loc: Span;
  readonly value: number;
  readonly raw: string;
}

/** `"text"` with the escapes `\"`, `\\`, `\n`, `\t` and `\uXXXX` decoded into `value`. */
export interface StringLiteral {
  readonly kind: "StringLiteral";
  readonly loc: Span;
  readonly value: string;
  readonly raw: string;
}

export interface BooleanLiteral {
  readonly kind: "BooleanLiteral";
  readonly loc: Span;
  readonly value: boolean;
}

/** A name: declared (`model mmoe`) or referenced (`base mmoe`), or a symbolic value (`relu`). */
export interface Identifier {
  readonly kind: "Identifier";
  readonly loc: Span;
  readonly name: string;
}

/**
 * `a.b.c`: a setting inside a model, as `vary` names it. As a value a path
 * has at least two segments (one segment is an `Identifier`); the path of a
 * `Vary` is always a `Path` and may have a single segment.
 */
export interface Path {
  readonly kind: "Path";
  readonly loc: Span;
  readonly segments: readonly Identifier[];
}

/** `[value, value]` */
export interface ListValue {
  readonly kind: "ListValue";
  readonly loc: Span;
  readonly items: readonly Value[];
}

/** `ema(decay: 0.99)` or `gauc(user_id)`: a symbolic value with arguments. */
export interface Call {
  readonly kind: "Call";
  readonly loc: Span;
  readonly callee: Identifier;
  readonly args: readonly Argument[];
}

/** One argument of a call: `name: value` or a bare positional `value`. */
export interface Argument {
  readonly kind: "Argument";
  readonly loc: Span;
  readonly name: Identifier | null;
  readonly value: Value;
}

/** A line comment (`//`) or a block comment; `text` is the comment as written, delimiters included. */
export interface Comment {
  readonly kind: "Comment";
  readonly loc: Span;
  readonly text: string;
  readonly block: boolean;
}

export type Node =
  | SpecFile
  | Import
  | Declaration
  | Block
  | Entry
  | Vary
  | Argument
  | Comment
  | Value;

export type NodeKind = Node["kind"];

/**
 * The child properties of each node kind, in source order. The visitor, the
 * checker and the formatter walk the tree through this table only.
 */
export const childKeys: { readonly [K in NodeKind]: readonly string[] } = {
  SpecFile: ["imports", "declarations"],
  Import: ["path"],
  Declaration: ["name", "extends", "body"],
  Block: ["entries"],
  Entry: ["key", "values", "block"],
  Vary: ["path", "values"],
  NumberLiteral: [],
  StringLiteral: [],
  BooleanLiteral: [],
  Identifier: [],
  Path: ["segments"],
  ListValue: ["items"],
  Call: ["callee", "args"],
  Argument: ["name", "value"],
  Comment: [],
};
