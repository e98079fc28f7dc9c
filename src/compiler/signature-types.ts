/**
 * The vocabulary of block signatures: what a key accepts, its default and
 * its range. The checker decodes entries with them, `docs/language.md`
 * renders its key tables from them, and the editor reads them for
 * completion and hover.
 */

/** A decoded value: plain JSON, with calls as `{ kind, ...arguments }`. */
export type SettingValue =
  | number
  | string
  | boolean
  | null
  | readonly SettingValue[]
  | { readonly [key: string]: SettingValue };

/** The type of one value of a key. */
export type ValueType =
  | {
      readonly t: "int";
      readonly min?: number;
      readonly max?: number;
    }
  | {
      readonly t: "number";
      readonly min?: number;
      readonly max?: number;
      /** The bound itself is not allowed, e.g. `lr > 0`. */
      readonly minExclusive?: boolean;
      readonly maxExclusive?: boolean;
    }
  | { readonly t: "string"; readonly maxLength?: number }
  | { readonly t: "bool" }
  | { readonly t: "enum"; readonly values: readonly string[] }
  /** A name resolved later: a CSV column, a feature, a group, a declaration. */
  | { readonly t: "name"; readonly of: NameKind }
  | {
      readonly t: "list";
      readonly of: ValueType;
      readonly minItems?: number;
      /** True when an item may not repeat. */
      readonly unique?: boolean;
    }
  /** A symbolic value with arguments; a bare name is the call with defaults. */
  | {
      readonly t: "call";
      readonly options: Readonly<Record<string, CallOption>>;
    }
  /** The first alternative that matches the value's syntax wins. */
  | { readonly t: "union"; readonly of: readonly ValueType[] }
  /** The value, or `none` for "not set" (decoded as `null`). */
  | { readonly t: "nullable"; readonly of: ValueType };

/** The kind of declaration or column a `name` value refers to. */
export type NameKind =
  | "column"
  | "feature"
  | "feature_or_group"
  | "table"
  | "model"
  | "dataset"
  | "features";

/** One callee of a `call` type, e.g. `adam` in `optimizer adam(lr: 1e-3)`. */
export interface CallOption {
  readonly doc: string;
  /** In positional order. */
  readonly args: readonly ArgSignature[];
}

/** One argument of a call option. */
export interface ArgSignature {
  readonly name: string;
  readonly type: ValueType;
  /** Absent means the argument is required. */
  readonly default?: SettingValue;
  readonly doc: string;
}

/** Everything one key of a block accepts. */
export interface KeySignature {
  readonly key: string;
  readonly doc: string;
  /** Type of each value; absent for keys that take only a block. */
  readonly type?: ValueType;
  /** `many`: comma-separated values (a list literal is flattened in). */
  readonly arity?: "one" | "many";
  /** The value may be left out when a block follows (`hierarchy { .. }`). */
  readonly valueOptional?: boolean;
  /**
   * The values name children (`task click`, `categorical a, b`): the key
   * may repeat, each name once, and `extends` merges children by name.
   */
  readonly named?: boolean;
  /** The nested block's signature, possibly chosen by the value. */
  readonly block?:
    | BlockSignature
    | ((value: SettingValue) => BlockSignature | null);
  readonly blockRequired?: boolean;
  readonly required?: boolean;
  /** The value when the key is absent; without it the key has no value, unless `defaultDoc` describes a computed one. */
  readonly default?: SettingValue;
  /** The docs' wording of a default the compiler computes (`the group's embedding`). */
  readonly defaultDoc?: string;
}

/** The keys of one block kind. */
export interface BlockSignature {
  /** The block's name in messages and docs, e.g. `train`, `backbone mmoe`. */
  readonly name: string;
  readonly doc: string;
  readonly keys: readonly KeySignature[];
}

/** Finds a key of a block signature. */
export function findKey(
  signature: BlockSignature,
  key: string,
): KeySignature | undefined {
  return signature.keys.find((candidate) => candidate.key === key);
}

/** Resolves a key's nested block signature for a decoded value. */
export function blockOf(
  key: KeySignature,
  value: SettingValue,
): BlockSignature | null {
  if (key.block === undefined) return null;
  return typeof key.block === "function" ? key.block(value) : key.block;
}

/** Renders a value type for messages and docs, e.g. `integer >= 1`. */
export function describeType(type: ValueType): string {
  switch (type.t) {
    case "int":
      return `integer${describeRange(type.min, type.max, false, false)}`;
    case "number":
      return `number${describeRange(
        type.min,
        type.max,
        type.minExclusive === true,
        type.maxExclusive === true,
      )}`;
    case "string":
      return type.maxLength === undefined
        ? "string"
        : `string of at most ${type.maxLength} character`;
    case "bool":
      return "`true` or `false`";
    case "enum":
      return type.values.map((value) => `\`${value}\``).join(" | ");
    case "name":
      return `${type.of.replace("_or_", " or ")} name`;
    case "list":
      return `list of ${describeType(type.of)}${type.unique === true ? " without repeats" : ""}`;
    case "call":
      return Object.entries(type.options)
        .map(([name, option]) =>
          option.args.length === 0
            ? `\`${name}\``
            : `\`${name}(${option.args.map((arg) => `${arg.name}:`).join(", ")})\``,
        )
        .join(" | ");
    case "union":
      return type.of.map(describeType).join(" | ");
    case "nullable":
      return `${describeType(type.of)} | \`none\``;
  }
}

function describeRange(
  min: number | undefined,
  max: number | undefined,
  minExclusive: boolean,
  maxExclusive: boolean,
): string {
  if (min !== undefined && max !== undefined) {
    return ` in ${minExclusive ? "(" : "["}${min}, ${max}${maxExclusive ? ")" : "]"}`;
  }
  if (min !== undefined) return ` ${minExclusive ? ">" : ">="} ${min}`;
  if (max !== undefined) return ` ${maxExclusive ? "<" : "<="} ${max}`;
  return "";
}

/** Renders a decoded value the way a spec would write it. */
export function formatSetting(value: SettingValue): string {
  if (value === null) return "none";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatSetting).join(", ")}]`;
  const { kind, ...args } = value as { [key: string]: SettingValue };
  const rendered = Object.entries(args).map(
    ([name, arg]) => `${name}: ${formatSetting(arg)}`,
  );
  return rendered.length === 0
    ? String(kind)
    : `${String(kind)}(${rendered.join(", ")})`;
}
