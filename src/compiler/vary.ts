/**
 * `vary PATH in [..]`: resolving a path against the base model's
 * signatures, checking its values, and applying one value to a model body.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Value } from "../parser/ast.js";
import type { LoweringContext } from "./context.js";
import { decode } from "./decode.js";
import {
  blockOf,
  findKey,
  type BlockSignature,
  type KeySignature,
  type SettingValue,
} from "./signature-types.js";
import {
  backboneSignatures,
  modelSignature,
  type BackboneKind,
} from "./signatures.js";
import {
  childName,
  type TreeBlock,
  type TreeEntry,
  type TreeVary,
} from "./tree.js";

/** One resolved `vary`: the path and its values, each ready to apply. */
export interface ResolvedVary {
  readonly path: string;
  readonly vary: TreeVary;
  /** Set when the path ends in a call argument (`train.optimizer.lr`). */
  readonly argument: CallArgument | null;
  readonly values: readonly {
    readonly value: Value;
    readonly setting: SettingValue;
  }[];
}

/** Resolves the leaf key of a `vary` path by walking the base model's signatures. */
export function resolveVary(
  vary: TreeVary,
  base: TreeBlock,
  context: LoweringContext,
): ResolvedVary | null {
  const segments = vary.node.path.segments;
  let signature: BlockSignature | null = modelSignature;
  let block: TreeBlock | null = base;
  let leaf: KeySignature | null = null;
  let argument: CallArgument | null = null;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    if (signature === null)
      return badPath(vary, index, "has no settings below it", [], context);
    const key = findKey(signature, segment.name);
    if (key === undefined) {
      return badPath(
        vary,
        index,
        `is not a key of \`${signature.name}\``,
        signature.keys.map((candidate) => candidate.key),
        context,
      );
    }
    const entry: TreeEntry | undefined = block?.entries.find(
      (candidate) => candidate.key === key.key,
    );
    if (index === segments.length - 2 && key.type?.t === "call") {
      const resolved = resolveArgument(vary, index, key, entry, context);
      if (resolved === null) return null;
      argument = resolved.argument;
      leaf = resolved.leaf;
      break;
    }
    if (index === segments.length - 1) {
      if (key.named === true || key.type === undefined) {
        return badPath(
          vary,
          index,
          "names a block, not a setting",
          [],
          context,
        );
      }
      leaf = key;
      break;
    }
    if (key.named === true) {
      const childSegment = segments[index + 1];
      const children: TreeEntry[] =
        block?.entries.filter((candidate) => candidate.key === key.key) ?? [];
      const child: TreeEntry | undefined = children.find(
        (candidate) => childName(candidate) === childSegment.name,
      );
      if (child === undefined) {
        return badPath(
          vary,
          index + 1,
          `is not a \`${key.key}\` of the base model`,
          children.map((candidate) => childName(candidate) ?? ""),
          context,
        );
      }
      signature = blockOf(key, childSegment.name);
      block = child.block;
      index++;
      continue;
    }
    if (key.key === "backbone") {
      const kind =
        entry?.values[0]?.kind === "Identifier" ? entry.values[0].name : null;
      signature =
        kind !== null && kind in backboneSignatures
          ? backboneSignatures[kind as BackboneKind]
          : null;
    } else if (
      key.key === "hierarchy" &&
      entry !== undefined &&
      entry.block === null
    ) {
      return badPath(vary, index, "is `off` in the base model", [], context);
    } else {
      signature = blockOf(key, null);
    }
    block = entry?.block ?? null;
  }
  if (leaf === null) return null;
  const leafKey = leaf;
  const items = vary.node.values.items;
  const decodeContext = {
    file: vary.file,
    key: leafKey.key,
    report: context.report,
  };
  const values = items.map((item) => {
    const values =
      leafKey.arity === "many" && item.kind === "ListValue"
        ? item.items
        : [item];
    const decoded = values.map((value) =>
      decode(value, leafKey.type!, decodeContext),
    );
    if (decoded.some((entry) => entry === null)) return null;
    const setting =
      leafKey.arity === "many"
        ? decoded.map((entry) => entry!.value)
        : decoded[0]!.value;
    return { value: item, setting };
  });
  if (values.some((value) => value === null)) return null;
  const path = segments.map((segment) => segment.name).join(".");
  return { path, vary, argument, values: values as ResolvedVary["values"] };
}

/** The call whose argument a vary path sets. */
interface CallArgument {
  readonly callee: string;
  readonly name: string;
  /** The callee's argument names in positional order. */
  readonly order: readonly string[];
}

/**
 * Resolves the last segment of `optimizer.lr` against the callee the base
 * model writes (or the key's default callee).
 */
function resolveArgument(
  vary: TreeVary,
  index: number,
  key: KeySignature,
  entry: TreeEntry | undefined,
  context: LoweringContext,
): { argument: CallArgument; leaf: KeySignature } | null {
  if (key.type?.t !== "call") return null;
  const written = entry?.values[0];
  const defaultKind = (key.default as { kind?: SettingValue } | undefined)
    ?.kind;
  const callee =
    written?.kind === "Call"
      ? written.callee.name
      : written?.kind === "Identifier"
        ? written.name
        : String(defaultKind);
  const option = key.type.options[callee];
  if (option === undefined) return null;
  const segment = vary.node.path.segments[index + 1];
  const argument = option.args.find(
    (candidate) => candidate.name === segment.name,
  );
  if (argument === undefined) {
    badPath(
      vary,
      index + 1,
      `is not an argument of \`${callee}\``,
      option.args.map((candidate) => candidate.name),
      context,
    );
    return null;
  }
  return {
    argument: {
      callee,
      name: argument.name,
      order: option.args.map((candidate) => candidate.name),
    },
    leaf: {
      key: `${callee}(${argument.name}:)`,
      doc: argument.doc,
      type: argument.type,
    },
  };
}

function badPath(
  vary: TreeVary,
  index: number,
  problem: string,
  candidates: readonly string[],
  context: LoweringContext,
): null {
  const segment = vary.node.path.segments[index];
  context.report(
    diagnostic("HMD2029", {
      file: vary.file,
      span: segment.loc,
      message: `\`${segment.name}\` in \`vary ${vary.node.path.segments.map((item) => item.name).join(".")}\` ${problem}`,
      label: "invalid path segment",
      help:
        didYouMean(suggestSimilar(segment.name, candidates)) ??
        (candidates.length > 0
          ? `expected one of ${candidates.map((candidate) => `\`${candidate}\``).join(", ")}`
          : "a vary path names a setting of the base model, e.g. `hierarchy.levels` or `train.batch`"),
    }),
  );
  return null;
}

/** Returns `block` with the setting at the vary's path set to `value`. */
export function applyPath(
  block: TreeBlock,
  resolved: ResolvedVary,
  value: Value,
): TreeBlock {
  const { vary, argument } = resolved;
  const segments = vary.node.path.segments.map((segment) => segment.name);
  if (argument === null) {
    return setAt(block, segments, vary, (head) =>
      value.kind === "ListValue" && findsMany(head) ? value.items : [value],
    );
  }
  return setAt(block, segments.slice(0, -1), vary, (_head, existing) => [
    withArgument(existing?.values[0], argument, value, vary),
  ]);
}

/** Builds `callee(.., name: value)` from the written call, keeping its other arguments. */
function withArgument(
  written: Value | undefined,
  argument: CallArgument,
  value: Value,
  vary: TreeVary,
): Value {
  const loc = vary.node.loc;
  const identifier = (name: string) => ({
    kind: "Identifier" as const,
    loc,
    name,
  });
  const kept =
    written?.kind === "Call" && written.callee.name === argument.callee
      ? written.args
          .map((item, index) => ({
            ...item,
            name: item.name ?? identifier(argument.order[index] ?? ""),
          }))
          .filter((item) => item.name.name !== argument.name)
      : [];
  return {
    kind: "Call",
    loc,
    callee: identifier(argument.callee),
    args: [
      ...kept,
      { kind: "Argument", loc, name: identifier(argument.name), value },
    ],
  };
}

/** Returns `block` with the entry at `segments` given the values `makeValues` builds. */
function setAt(
  block: TreeBlock,
  segments: readonly string[],
  vary: TreeVary,
  makeValues: (
    key: string,
    existing: TreeEntry | undefined,
  ) => readonly Value[],
): TreeBlock {
  const [head, ...rest] = segments;
  const entries = [...block.entries];
  const named =
    rest.length > 1 &&
    entries.some((entry) => entry.key === head && childName(entry) === rest[0]);
  const index = named
    ? entries.findIndex(
        (entry) => entry.key === head && childName(entry) === rest[0],
      )
    : entries.findIndex((entry) => entry.key === head);
  const tail = named ? rest.slice(1) : rest;
  const at = {
    file: vary.file,
    loc: vary.node.loc,
    keyLoc: vary.node.path.loc,
  };
  if (tail.length === 0) {
    const replacement: TreeEntry = {
      ...at,
      key: head,
      values: makeValues(head, index >= 0 ? entries[index] : undefined),
      block: index >= 0 ? entries[index].block : null,
    };
    if (index >= 0) entries[index] = replacement;
    else entries.push(replacement);
    return { ...block, entries };
  }
  const existing = index >= 0 ? entries[index] : undefined;
  const inner: TreeBlock = existing?.block ?? {
    loc: vary.node.loc,
    file: vary.file,
    entries: [],
    varies: [],
  };
  const updated: TreeEntry =
    existing === undefined
      ? {
          ...at,
          key: head,
          values: [],
          block: setAt(inner, tail, vary, makeValues),
        }
      : { ...existing, block: setAt(inner, tail, vary, makeValues) };
  if (index >= 0) entries[index] = updated;
  else entries.push(updated);
  return { ...block, entries };
}

/** Keys that take comma-separated values, so a list value spreads into them. */
function findsMany(key: string): boolean {
  return [
    "explicit",
    "implicit",
    "populations",
    "metrics",
    "epnet_features",
    "ppnet_features",
    "missing",
  ].includes(key);
}
