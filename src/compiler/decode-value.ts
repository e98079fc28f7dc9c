/**
 * Decodes one value against its type: numbers with their ranges, strings,
 * names, lists, calls with their arguments and defaults. A value that does
 * not fit is reported and decodes to `null`.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Span } from "../diagnostics/span.js";
import type { Value } from "../parser/ast.js";
import type { Decoded, Report } from "./checked-block.js";
import {
  describeType,
  type CallOption,
  type SettingValue,
  type ValueType,
} from "./signature-types.js";

/** The decoding site of a value: its file, its key for messages, and the sink. */
export interface DecodeContext {
  readonly file: string;
  readonly key: string;
  readonly report: Report;
  /** The hint of type and range errors, such as the key's default. */
  readonly help?: string;
}

/** Decodes one value against a type, or reports and returns `null`. */
export function decode(
  value: Value,
  type: ValueType,
  context: DecodeContext,
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
      // Larger integers lose digits in a double, so they would not survive
      // the IR round trip as written.
      if (type.t === "int" && !Number.isSafeInteger(value.value)) {
        return outOfRange(
          value,
          `\`${context.key}\` must be ${describeType(type)} and at most ${Number.MAX_SAFE_INTEGER}, found ${value.raw}`,
          context,
        );
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
      if (type.unique === true && !checkUnique(decodedItems, context)) {
        return null;
      }
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
  context: DecodeContext,
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
  context: DecodeContext,
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

/** Reports the first repeated item of a list; true when there is none. */
function checkUnique(
  items: readonly Decoded[],
  context: DecodeContext,
): boolean {
  const first = new Map<string, Decoded>();
  for (const item of items) {
    const text = JSON.stringify(item.value);
    const previous = first.get(text);
    if (previous === undefined) {
      first.set(text, item);
      continue;
    }
    context.report(
      diagnostic("HMD2014", {
        file: item.file,
        span: item.loc,
        message: `\`${context.key}\` lists ${text} twice`,
        label: "repeated",
        labels: [
          {
            file: previous.file,
            span: previous.loc,
            text: "first listed here",
          },
        ],
        help: "each item may appear once",
      }),
    );
    return false;
  }
  return true;
}

function outOfRange(
  value: Value,
  message: string,
  context: DecodeContext,
): null {
  context.report(
    diagnostic("HMD2014", {
      file: context.file,
      span: value.loc,
      message,
      label: "out of range",
      ...(context.help === undefined ? {} : { help: context.help }),
    }),
  );
  return null;
}

function mismatch(value: Value, type: ValueType, context: DecodeContext): null {
  context.report(
    diagnostic("HMD2013", {
      file: context.file,
      span: value.loc,
      message: `\`${context.key}\` expects ${describeType(type)}, found ${describeValue(value)}`,
      label: `expected ${describeType(type)}`,
      ...(context.help === undefined ? {} : { help: context.help }),
    }),
  );
  return null;
}

function unknownOption(
  name: string,
  loc: Span,
  options: readonly string[],
  context: DecodeContext,
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
