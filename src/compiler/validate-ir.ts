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
import { jsonPointerSpan } from "./json-pointer.js";
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

/** One schema violation: the JSON pointer of the value and what is wrong. */
interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/** Lists the schema errors of a value as `instancePath: message` lines, none when valid. */
export function schemaErrors(value: unknown): string[] {
  return schemaProblems(value).map(
    (problem) => `${problem.path || "/"}: ${problem.message}`,
  );
}

function schemaProblems(value: unknown): SchemaProblem[] {
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

function formatErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
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
      return {
        path: error.instancePath,
        message: `${error.message ?? "invalid"}${detail}`,
      };
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
 * Parses and validates the text of an IR file a user hands in. Each
 * diagnostic spans the JSON value it is about.
 */
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
          span: jsonPointerSpan(text, "/irVersion"),
          message: `IR version ${JSON.stringify(version ?? null)} is not supported, expected ${IR_VERSION}`,
          help: "recompile the spec with this version of `hmdnc compile`",
        }),
      ],
    };
  }
  const problems = schemaProblems(value);
  if (problems.length > 0) {
    return {
      ir: null,
      diagnostics: problems.map((problem) =>
        diagnostic("HMD3002", {
          file,
          span: jsonPointerSpan(text, problem.path),
          message: `invalid IR at ${problem.path || "/"}: ${problem.message}`,
          help: "recompile the spec with `hmdnc compile` instead of editing the IR by hand",
        }),
      ),
    };
  }
  const ir = value as ModelIr | ExperimentIr;
  const broken = referenceProblems(ir, "");
  return {
    ir: broken.length === 0 ? ir : null,
    diagnostics: broken.map(({ path, message }) =>
      diagnostic("HMD3004", {
        file,
        span: jsonPointerSpan(text, path),
        message,
        help: "recompile the spec with `hmdnc compile`",
      }),
    ),
  };
}

/** Lists the names the schema cannot check: tables, groups and hierarchy inputs. */
export function brokenReferences(ir: ModelIr | ExperimentIr): string[] {
  return referenceProblems(ir, "").map((problem) => problem.message);
}

/** Lists the broken references of an IR, each with the JSON pointer of the name. */
function referenceProblems(
  ir: ModelIr | ExperimentIr,
  at: string,
): SchemaProblem[] {
  if (ir.kind === "experiment") {
    return ir.variants.flatMap((variant, index) =>
      referenceProblems(variant.model, `${at}/variants/${index}/model`).map(
        (problem) => ({
          ...problem,
          message: `variant \`${variant.name}\`: ${problem.message}`,
        }),
      ),
    );
  }
  const problems: SchemaProblem[] = [];
  const tables = new Set(ir.tables.map((table) => table.name));
  const features = new Set(ir.features.map((feature) => feature.name));
  ir.features.forEach((feature, index) => {
    const numeric = feature.kind === "numeric";
    const table = numeric
      ? feature.transform.kind === "buckets"
        ? feature.transform.table
        : null
      : feature.table;
    if (table === null || tables.has(table)) return;
    problems.push({
      path: `${at}/features/${index}/${numeric ? "transform/table" : "table"}`,
      message: `feature \`${feature.name}\` reads table \`${table}\`, which is not declared`,
    });
  });
  const named: [string, string, string][] = [
    ...ir.groups.flatMap((group, index) =>
      group.features.map((name, item): [string, string, string] => [
        `group \`${group.name}\``,
        name,
        `${at}/groups/${index}/features/${item}`,
      ]),
    ),
    ...ir.tables.flatMap((table, index) =>
      table.features.map((name, item): [string, string, string] => [
        `table \`${table.name}\``,
        name,
        `${at}/tables/${index}/features/${item}`,
      ]),
    ),
    ...(["explicit", "implicit"] as const).flatMap((view) =>
      (ir.hierarchy?.[view] ?? []).map(
        (name, item): [string, string, string] => [
          `the ${view} hierarchy view`,
          name,
          `${at}/hierarchy/${view}/${item}`,
        ],
      ),
    ),
  ];
  for (const [owner, name, path] of named) {
    if (features.has(name)) continue;
    problems.push({
      path,
      message: `${owner} names feature \`${name}\`, which is not declared`,
    });
  }
  return problems;
}
