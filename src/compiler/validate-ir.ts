/**
 * IR validation against `ir.schema.json`. The validator is compiled once,
 * on first use. IR that hmdnc produced itself and fails here is
 * a compiler bug (`assertValidIr` throws); IR a user hands in gets HMD3xxx
 * diagnostics (`validateIrText`).
 */

import { createRequire } from "node:module";

import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from "ajv";

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { IR_VERSION, type ExperimentIr, type ModelIr } from "./ir.js";
import schema from "./ir.schema.json" with { type: "json" };

interface Validators {
  readonly any: ValidateFunction<ModelIr | ExperimentIr>;
  readonly model: ValidateFunction;
  readonly experiment: ValidateFunction;
}

let validators: Validators | null = null;

/**
 * Compiles the schema on first use and keeps it. Loading ajv and compiling
 * took 0.4 to 0.7 s on a busy 2-core machine, which `hmdnc check` (it
 * validates no IR) never pays. ajv is CommonJS, so a synchronous `require`
 * keeps this API synchronous.
 */
function getValidators(): Validators {
  if (validators !== null) return validators;
  const { Ajv } = createRequire(import.meta.url)("ajv") as {
    Ajv: typeof AjvClass;
  };
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const any = ajv.compile<ModelIr | ExperimentIr>(schema);
  // Per-kind validators give errors about the intended shape only, instead
  // of the mismatch with every branch of the top-level `oneOf`.
  validators = {
    any,
    model: ajv.getSchema(`${schema.$id}#/definitions/ModelIr`)!,
    experiment: ajv.getSchema(`${schema.$id}#/definitions/ExperimentIr`)!,
  };
  return validators;
}

/** Lists the schema errors of a value as `instancePath: message` lines, none when valid. */
export function schemaErrors(value: unknown): string[] {
  const { any, ...byKind } = getValidators();
  if (any(value)) return [];
  const kind = (value as { kind?: unknown } | null)?.kind;
  const specific =
    kind === "model" || kind === "experiment" ? byKind[kind] : null;
  if (specific !== null && !specific(value)) {
    return formatErrors(specific.errors ?? []);
  }
  return formatErrors(any.errors ?? []);
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  // `oneOf` reports every branch; the most specific paths are the useful ones.
  const deepest = Math.max(...errors.map((error) => error.instancePath.length));
  return errors
    .filter(
      (error) => error.instancePath.length === deepest || errors.length === 1,
    )
    .map((error) => {
      const detail =
        error.keyword === "additionalProperties"
          ? ` \`${String(error.params.additionalProperty)}\``
          : error.keyword === "enum" || error.keyword === "const"
            ? ` ${JSON.stringify(error.params.allowedValues ?? error.params.allowedValue)}`
            : "";
      return `${error.instancePath || "/"}: ${error.message ?? "invalid"}${detail}`;
    });
}

/** Throws when IR the compiler produced does not match the schema. */
export function assertValidIr(ir: ModelIr | ExperimentIr): void {
  const errors = schemaErrors(ir);
  if (errors.length > 0) {
    throw new Error(
      `the compiler produced IR that does not match ir.schema.json:\n${errors.join("\n")}`,
    );
  }
}

/** The result of reading a user's IR file. */
export interface IrReadResult {
  readonly ir: ModelIr | ExperimentIr | null;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses and validates the text of an IR file a user hands in.
 */
// Limitation: every HMD3xxx diagnostic spans the whole file; the message
// names the JSON path, but the span is not narrowed to that value.
export function validateIrText(text: string, file: string): IrReadResult {
  const whole: Span = { start: 0, end: text.length };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ir: null,
      diagnostics: [
        diagnostic("HMD3001", {
          file,
          span: whole,
          message: `\`${file}\` is not valid JSON: ${(error as Error).message}`,
          help: "pass a file written by `hmdnc compile`",
        }),
      ],
    };
  }
  const version = (value as { irVersion?: unknown } | null)?.irVersion;
  if (version !== IR_VERSION) {
    return {
      ir: null,
      diagnostics: [
        diagnostic("HMD3003", {
          file,
          span: whole,
          message: `IR version ${JSON.stringify(version ?? null)} is not supported, expected ${IR_VERSION}`,
          help: "recompile the spec with this version of `hmdnc compile`",
        }),
      ],
    };
  }
  const errors = schemaErrors(value);
  if (errors.length > 0) {
    return {
      ir: null,
      diagnostics: errors.map((error) =>
        diagnostic("HMD3002", {
          file,
          span: whole,
          message: `invalid IR at ${error}`,
          help: "recompile the spec with `hmdnc compile` instead of editing the IR by hand",
        }),
      ),
    };
  }
  const ir = value as ModelIr | ExperimentIr;
  const broken = brokenReferences(ir);
  return {
    ir: broken.length === 0 ? ir : null,
    diagnostics: broken.map((message) =>
      diagnostic("HMD3004", {
        file,
        span: whole,
        message,
        help: "recompile the spec with `hmdnc compile`",
      }),
    ),
  };
}

/** Names the schema cannot check: tables, groups and hierarchy inputs. */
export function brokenReferences(ir: ModelIr | ExperimentIr): string[] {
  if (ir.kind === "experiment") {
    return ir.variants.flatMap((variant) =>
      brokenReferences(variant.model).map(
        (message) => `variant \`${variant.name}\`: ${message}`,
      ),
    );
  }
  const problems: string[] = [];
  const tables = new Set(ir.tables.map((table) => table.name));
  const features = new Set(ir.features.map((feature) => feature.name));
  for (const feature of ir.features) {
    const table =
      feature.kind === "numeric"
        ? feature.transform.kind === "buckets"
          ? feature.transform.table
          : null
        : feature.table;
    if (table !== null && !tables.has(table)) {
      problems.push(
        `feature \`${feature.name}\` reads table \`${table}\`, which is not declared`,
      );
    }
  }
  const named = [
    ...ir.groups.flatMap((group) =>
      group.features.map((name) => [`group \`${group.name}\``, name]),
    ),
    ...ir.tables.flatMap((table) =>
      table.features.map((name) => [`table \`${table.name}\``, name]),
    ),
    ...(ir.hierarchy === null
      ? []
      : [...ir.hierarchy.explicit, ...ir.hierarchy.implicit].map((name) => [
          "the hierarchy",
          name,
        ])),
  ];
  for (const [owner, name] of named) {
    if (!features.has(name))
      problems.push(
        `${owner} names feature \`${name}\`, which is not declared`,
      );
  }
  return problems;
}
