/**
 * Checks a merged block against its signature and decodes every value:
 * unknown, misplaced, duplicate and mistyped keys and out-of-range values
 * become diagnostics, and the result holds plain values with defaults
 * applied, plus the spans lowering needs for its own messages.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Span } from "../diagnostics/span.js";
import type { Value } from "../parser/ast.js";
import {
  blockOf,
  describeType,
  findKey,
  type BlockSignature,
  type CallOption,
  type KeySignature,
  type SettingValue,
  type ValueType,
} from "./signature-types.js";
import { allSignatures } from "./signatures.js";
import { childName, type TreeBlock, type TreeEntry } from "./tree.js";

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

/** Checks `tree` against `signature`, reporting every problem. */
export function checkBlock(
  tree: TreeBlock,
  signature: BlockSignature,
  owner: Owner,
  report: Report,
): CheckedBlock {
  const entries = new Map<string, CheckedEntry>();
  const children: CheckedChild[] = [];
  const firstChild = new Map<string, TreeEntry>();

  for (const entry of tree.entries) {
    const key = findKey(signature, entry.key);
    if (key === undefined) {
      reportUnknownKey(entry, signature, report);
      continue;
    }
    if (key.named === true) {
      const child = checkChild(entry, key, firstChild, report);
      if (child !== null) children.push(child);
      continue;
    }
    const previous = entries.get(entry.key);
    if (previous !== undefined) {
      report(
        diagnostic("HMD2012", {
          file: entry.file,
          span: entry.keyLoc,
          message: `duplicate key \`${entry.key}\` in \`${signature.name}\``,
          label: "written again here",
          labels: [
            {
              file: previous.entry.file,
              span: previous.entry.keyLoc,
              text: "first written here",
            },
          ],
          help: "remove one of the two entries",
        }),
      );
      continue;
    }
    entries.set(entry.key, checkEntry(entry, key, report));
  }

  for (const vary of tree.varies) {
    if (signature.name === "experiment") continue;
    report(
      diagnostic("HMD2011", {
        file: vary.file,
        span: vary.node.loc,
        message: `\`vary\` is not allowed in \`${signature.name}\``,
        help: "`vary` belongs in an `experiment`",
      }),
    );
  }

  for (const key of signature.keys) {
    if (key.required !== true || entries.has(key.key)) continue;
    if (key.named === true && children.some((child) => child.key === key.key)) {
      continue;
    }
    report(
      diagnostic("HMD2015", {
        file: owner.file,
        span: owner.span,
        message: `${owner.what} has no \`${key.key}\``,
        help: `add \`${key.key}\` (${key.doc.replace(/\.$/, "").toLowerCase()})`,
      }),
    );
  }
  return new CheckedBlock(signature, tree, entries, children);
}

function reportUnknownKey(
  entry: TreeEntry,
  signature: BlockSignature,
  report: Report,
): void {
  const homes = allSignatures()
    .filter((other) => other !== signature && findKey(other, entry.key))
    .map((other) => `\`${other.name}\``);
  const suggestions = suggestSimilar(
    entry.key,
    signature.keys.map((key) => key.key),
  );
  if (homes.length > 0 && suggestions.length === 0) {
    report(
      diagnostic("HMD2011", {
        file: entry.file,
        span: entry.keyLoc,
        message: `\`${entry.key}\` is not a key of \`${signature.name}\``,
        label: "not allowed here",
        help: `\`${entry.key}\` belongs in ${homes.slice(0, 3).join(", ")}`,
      }),
    );
    return;
  }
  report(
    diagnostic("HMD2010", {
      file: entry.file,
      span: entry.keyLoc,
      message: `unknown key \`${entry.key}\` in \`${signature.name}\``,
      label: "unknown key",
      help:
        didYouMean(suggestions) ??
        `the keys of \`${signature.name}\` are ${signature.keys.map((key) => `\`${key.key}\``).join(", ")}`,
    }),
  );
}

function checkChild(
  entry: TreeEntry,
  key: KeySignature,
  firstChild: Map<string, TreeEntry>,
  report: Report,
): CheckedChild | null {
  const name = childName(entry);
  if (name === null || entry.values.length !== 1) {
    report(
      diagnostic("HMD2016", {
        file: entry.file,
        span: entry.values[0]?.loc ?? entry.keyLoc,
        message: `\`${entry.key}\` needs a name, found ${entry.values.length === 0 ? "none" : describeValue(entry.values[0])}`,
        help: `write \`${entry.key} NAME { .. }\``,
      }),
    );
    return null;
  }
  const identity = `${entry.key === "task" || entry.key === "group" || entry.key === "variant" ? entry.key : "feature"}:${name}`;
  const previous = firstChild.get(identity);
  if (previous !== undefined) {
    report(
      diagnostic("HMD2020", {
        file: entry.file,
        span: entry.values[0].loc,
        message: `\`${name}\` is declared twice`,
        label: "declared again here",
        labels: [
          {
            file: previous.file,
            span: previous.values[0].loc,
            text: "first declared here",
          },
        ],
        help: "rename or remove one of them",
      }),
    );
    return null;
  }
  firstChild.set(identity, entry);
  const signature = blockOf(key, name);
  let block: CheckedBlock | null = null;
  if (entry.block !== null && signature !== null) {
    block = checkBlock(
      entry.block,
      signature,
      {
        file: entry.file,
        span: entry.values[0].loc,
        what: `\`${entry.key} ${name}\``,
      },
      report,
    );
  } else if (entry.block === null && key.blockRequired === true) {
    report(
      blockShape(
        entry,
        `\`${entry.key} ${name}\` needs a block`,
        `write \`${entry.key} ${name} { .. }\``,
      ),
    );
  }
  return { key: entry.key, name, entry, block };
}

function checkEntry(
  entry: TreeEntry,
  key: KeySignature,
  report: Report,
): CheckedEntry {
  const decoded = decodeValues(entry, key, report);
  const signature = blockOf(key, decoded?.value ?? null);
  let block: CheckedBlock | null = null;
  // A value that failed to decode was reported; its block is not judged.
  const valueFailed =
    key.type !== undefined && entry.values.length > 0 && decoded === null;
  if (entry.block !== null && !valueFailed) {
    if (signature === null) {
      report(
        blockShape(
          entry,
          `\`${entry.key}${decoded === null ? "" : formatShort(decoded)}\` takes no block`,
          "remove the `{ .. }`",
        ),
      );
    } else {
      block = checkBlock(
        entry.block,
        signature,
        { file: entry.file, span: entry.keyLoc, what: `\`${entry.key}\`` },
        report,
      );
    }
  } else if (key.blockRequired === true) {
    report(
      blockShape(
        entry,
        `\`${entry.key}\` needs a block`,
        `write \`${entry.key} { .. }\``,
      ),
    );
  }
  return { entry, decoded, block };
}

function formatShort(decoded: Decoded): string {
  return typeof decoded.value === "string" ? ` ${decoded.value}` : "";
}

function blockShape(
  entry: TreeEntry,
  message: string,
  help: string,
): Diagnostic {
  return diagnostic("HMD2019", {
    file: entry.file,
    span: entry.block?.loc ?? entry.keyLoc,
    message,
    help,
  });
}

function decodeValues(
  entry: TreeEntry,
  key: KeySignature,
  report: Report,
): Decoded | null {
  const type = key.type;
  if (type === undefined) {
    if (entry.values.length > 0) {
      report(
        diagnostic("HMD2016", {
          file: entry.file,
          span: entry.values[0].loc,
          message: `\`${entry.key}\` takes only a block, found a value`,
          help: `write \`${entry.key} { .. }\``,
        }),
      );
    }
    return null;
  }
  if (entry.values.length === 0) {
    const optional = key.valueOptional === true && entry.block !== null;
    if (!optional) {
      report(
        diagnostic("HMD2016", {
          file: entry.file,
          span: entry.keyLoc,
          message: `\`${entry.key}\` needs a value`,
          help: `expected ${describeType(type)}`,
        }),
      );
    }
    return null;
  }
  const context: Context = { file: entry.file, key: entry.key, report };
  if (key.arity === "many") {
    const values = entry.values.flatMap((value) =>
      value.kind === "ListValue" ? value.items : [value],
    );
    const items = values.map((value) => decode(value, type, context));
    if (items.some((item) => item === null)) return null;
    const decodedItems = items as Decoded[];
    return {
      value: decodedItems.map((item) => item.value),
      file: entry.file,
      loc: spanOf(entry.values),
      items: decodedItems,
      args: {},
    };
  }
  if (entry.values.length > 1) {
    report(
      diagnostic("HMD2016", {
        file: entry.file,
        span: spanOf(entry.values.slice(1)),
        message: `\`${entry.key}\` takes one value, found ${entry.values.length}`,
        label: "extra values",
        help:
          type.t === "list"
            ? `write a list: \`${entry.key} [a, b]\``
            : "remove the extra values",
      }),
    );
    return null;
  }
  return decode(entry.values[0], type, context);
}

function spanOf(values: readonly Value[]): Span {
  return { start: values[0].loc.start, end: values[values.length - 1].loc.end };
}

interface Context {
  readonly file: string;
  readonly key: string;
  readonly report: Report;
}

/** Decodes one value against a type, or reports and returns `null`. */
export function decode(
  value: Value,
  type: ValueType,
  context: Context,
): Decoded | null {
  const make = (
    result: SettingValue,
    items: Decoded[] = [],
    args = {},
  ): Decoded => ({
    value: result,
    file: context.file,
    loc: value.loc,
    items,
    args,
  });
  switch (type.t) {
    case "int":
    case "number": {
      if (value.kind !== "NumberLiteral") return mismatch(value, type, context);
      if (type.t === "int" && !Number.isInteger(value.value)) {
        return mismatch(value, type, context);
      }
      return checkRange(value.value, type, value, context)
        ? make(value.value)
        : null;
    }
    case "string":
      if (value.kind === "StringLiteral") {
        if (
          type.maxLength !== undefined &&
          value.value.length > type.maxLength
        ) {
          return outOfRange(
            value,
            `\`${context.key}\` must be ${describeType(type)}, found ${value.raw}`,
            context,
          );
        }
        return make(value.value);
      }
      if (value.kind === "NumberLiteral" && type.maxLength === undefined) {
        return make(value.raw);
      }
      return mismatch(value, type, context);
    case "bool":
      return value.kind === "BooleanLiteral"
        ? make(value.value)
        : mismatch(value, type, context);
    case "enum":
      if (value.kind !== "Identifier") return mismatch(value, type, context);
      if (!type.values.includes(value.name)) {
        return unknownOption(value.name, value.loc, type.values, context);
      }
      return make(value.name);
    case "name":
      if (value.kind === "Identifier") return make(value.name);
      if (type.of === "column" && value.kind === "StringLiteral")
        return make(value.value);
      if (type.of === "column" && value.kind === "NumberLiteral")
        return make(value.raw);
      return mismatch(value, type, context);
    case "list": {
      if (value.kind !== "ListValue") return mismatch(value, type, context);
      if (type.minItems !== undefined && value.items.length < type.minItems) {
        return outOfRange(
          value,
          `\`${context.key}\` needs at least ${type.minItems} item, found none`,
          context,
        );
      }
      const items = value.items.map((item) => decode(item, type.of, context));
      if (items.some((item) => item === null)) return null;
      const decodedItems = items as Decoded[];
      return make(
        decodedItems.map((item) => item.value),
        decodedItems,
      );
    }
    case "call":
      return decodeCall(value, type.options, context);
    case "union": {
      const alternative = type.of.find((candidate) =>
        accepts(candidate, value),
      );
      return alternative === undefined
        ? mismatch(value, type, context)
        : decode(value, alternative, context);
    }
    case "nullable":
      if (value.kind === "Identifier" && value.name === "none")
        return make(null);
      return decode(value, type.of, context);
  }
}

/** Tests whether the value's syntax fits the type, so a union can pick it. */
function accepts(type: ValueType, value: Value): boolean {
  switch (type.t) {
    case "int":
    case "number":
      return value.kind === "NumberLiteral";
    case "string":
      return value.kind === "StringLiteral";
    case "bool":
      return value.kind === "BooleanLiteral";
    case "enum":
    case "name":
      return value.kind === "Identifier";
    case "list":
      return value.kind === "ListValue";
    case "call":
      return value.kind === "Identifier" || value.kind === "Call";
    case "union":
      return type.of.some((candidate) => accepts(candidate, value));
    case "nullable":
      return (
        (value.kind === "Identifier" && value.name === "none") ||
        accepts(type.of, value)
      );
  }
}

function decodeCall(
  value: Value,
  options: Readonly<Record<string, CallOption>>,
  context: Context,
): Decoded | null {
  if (value.kind !== "Identifier" && value.kind !== "Call") {
    return mismatch(value, { t: "call", options }, context);
  }
  const callee = value.kind === "Identifier" ? value.name : value.callee.name;
  const calleeLoc = value.kind === "Identifier" ? value.loc : value.callee.loc;
  const option = options[callee];
  if (option === undefined || !Object.hasOwn(options, callee)) {
    return unknownOption(callee, calleeLoc, Object.keys(options), context);
  }
  const given = new Map<string, { loc: Span; value: Value }>();
  let ok = true;
  const args = value.kind === "Call" ? value.args : [];
  args.forEach((argument, index) => {
    const name = argument.name?.name ?? option.args[index]?.name;
    const known = option.args.find((candidate) => candidate.name === name);
    if (name === undefined || known === undefined) {
      ok = false;
      const candidates = option.args.map((candidate) => candidate.name);
      context.report(
        diagnostic("HMD2018", {
          file: context.file,
          span: argument.loc,
          message:
            argument.name === null
              ? `\`${callee}\` takes ${option.args.length} argument${option.args.length === 1 ? "" : "s"}, found ${args.length}`
              : `\`${callee}\` has no argument \`${argument.name.name}\``,
          help:
            (argument.name === null
              ? undefined
              : didYouMean(suggestSimilar(argument.name.name, candidates))) ??
            (candidates.length === 0
              ? `\`${callee}\` takes no arguments`
              : `its arguments are ${candidates.map((candidate) => `\`${candidate}\``).join(", ")}`),
        }),
      );
      return;
    }
    if (given.has(name)) {
      ok = false;
      context.report(
        diagnostic("HMD2018", {
          file: context.file,
          span: argument.loc,
          message: `argument \`${name}\` of \`${callee}\` is given twice`,
          labels: [
            {
              file: context.file,
              span: given.get(name)!.loc,
              text: "first given here",
            },
          ],
          help: "remove one of them",
        }),
      );
      return;
    }
    given.set(name, { loc: argument.loc, value: argument.value });
  });
  if (!ok) return null;

  const result: Record<string, SettingValue> = { kind: callee };
  const decodedArgs: Record<string, Decoded> = {};
  for (const signature of option.args) {
    const argument = given.get(signature.name);
    if (argument === undefined) {
      if (signature.default === undefined) {
        context.report(
          diagnostic("HMD2018", {
            file: context.file,
            span: value.loc,
            message: `\`${callee}\` needs the argument \`${signature.name}\``,
            help: `write \`${callee}(${signature.name}: ..)\` (${signature.doc.replace(/\.$/, "").toLowerCase()})`,
          }),
        );
        ok = false;
        continue;
      }
      result[signature.name] = signature.default;
      continue;
    }
    const decoded = decode(argument.value, signature.type, {
      ...context,
      key: `${callee}(${signature.name}:)`,
    });
    if (decoded === null) {
      ok = false;
      continue;
    }
    result[signature.name] = decoded.value;
    decodedArgs[signature.name] = decoded;
  }
  if (!ok) return null;
  return {
    value: result,
    file: context.file,
    loc: value.loc,
    items: [],
    args: decodedArgs,
  };
}

function checkRange(
  number: number,
  type: Extract<ValueType, { t: "int" | "number" }>,
  value: Value,
  context: Context,
): boolean {
  const minExclusive = type.t === "number" && type.minExclusive === true;
  const maxExclusive = type.t === "number" && type.maxExclusive === true;
  const belowMin =
    type.min !== undefined &&
    (minExclusive ? number <= type.min : number < type.min);
  const aboveMax =
    type.max !== undefined &&
    (maxExclusive ? number >= type.max : number > type.max);
  if (!belowMin && !aboveMax) return true;
  outOfRange(
    value,
    `\`${context.key}\` must be ${describeType(type)}, found ${number}`,
    context,
  );
  return false;
}

function outOfRange(value: Value, message: string, context: Context): null {
  context.report(
    diagnostic("HMD2014", {
      file: context.file,
      span: value.loc,
      message,
      label: "out of range",
    }),
  );
  return null;
}

function mismatch(value: Value, type: ValueType, context: Context): null {
  context.report(
    diagnostic("HMD2013", {
      file: context.file,
      span: value.loc,
      message: `\`${context.key}\` expects ${describeType(type)}, found ${describeValue(value)}`,
      label: `expected ${describeType(type)}`,
    }),
  );
  return null;
}

function unknownOption(
  name: string,
  loc: Span,
  options: readonly string[],
  context: Context,
): null {
  context.report(
    diagnostic("HMD2017", {
      file: context.file,
      span: loc,
      message: `unknown value \`${name}\` for \`${context.key}\``,
      label: "unknown value",
      help:
        didYouMean(suggestSimilar(name, options)) ??
        `expected one of ${options.map((option) => `\`${option}\``).join(", ")}`,
    }),
  );
  return null;
}

/** Names a value's syntax for messages, e.g. `the number 3`. */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case "NumberLiteral":
      return `the number ${value.raw}`;
    case "StringLiteral":
      return `the string ${value.raw}`;
    case "BooleanLiteral":
      return `\`${value.value}\``;
    case "Identifier":
      return `the name \`${value.name}\``;
    case "Path":
      return `the path \`${value.segments.map((segment) => segment.name).join(".")}\``;
    case "ListValue":
      return "a list";
    case "Call":
      return `the call \`${value.callee.name}(..)\``;
  }
}
