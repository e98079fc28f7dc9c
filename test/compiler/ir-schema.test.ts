// The IR schema, the TypeScript IR types and the IR the compiler emits must
// describe the same key paths. Paths are written `model.train.optimizer.lr`,
// with `[]` for array items and `*` for record keys; union branches share
// their paths.
import { readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

import {
  compileExperiment,
  compileModel,
  schemaErrors,
  type ExperimentIr,
  type ModelIr,
} from "../../src/compiler/index.js";
import schema from "../../src/compiler/ir.schema.json" with { type: "json" };

type SchemaNode = { [key: string]: unknown };
const definitions = schema.definitions as Record<string, SchemaNode>;

function schemaPaths(node: SchemaNode, prefix: string, out: Set<string>): void {
  const ref = node.$ref as string | undefined;
  if (ref !== undefined) {
    const name = ref.replace("#/definitions/", "");
    // A model inside an experiment is compared as a model of its own.
    if (name === "ModelIr" && prefix !== "model") return;
    schemaPaths(definitions[name], prefix, out);
    return;
  }
  for (const key of ["oneOf", "anyOf"]) {
    for (const branch of (node[key] as SchemaNode[] | undefined) ?? []) {
      schemaPaths(branch, prefix, out);
    }
  }
  const properties = node.properties as Record<string, SchemaNode> | undefined;
  for (const [key, child] of Object.entries(properties ?? {})) {
    out.add(`${prefix}.${key}`);
    schemaPaths(child, `${prefix}.${key}`, out);
  }
  const items = node.items as SchemaNode | undefined;
  if (items !== undefined) schemaPaths(items, `${prefix}[]`, out);
  const extra = node.additionalProperties;
  if (typeof extra === "object" && extra !== null) {
    out.add(`${prefix}.*`);
    schemaPaths(extra as SchemaNode, `${prefix}.*`, out);
  }
}

function valuePaths(value: unknown, prefix: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) valuePaths(item, `${prefix}[]`, out);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (prefix === "experiment.variants[]" && key === "model") {
      out.add(`${prefix}.model`);
      valuePaths(child, "model", out);
      continue;
    }
    const name = prefix.endsWith(".settings") ? "*" : key;
    out.add(`${prefix}.${name}`);
    valuePaths(child, `${prefix}.${name}`, out);
  }
}

function typePaths(): Set<string> {
  const file = path.resolve("src/compiler/ir.ts");
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const out = new Set<string>();
  const exported = checker.getExportsOfModule(
    checker.getSymbolAtLocation(source)!,
  );
  const typeOf = (name: string) =>
    checker.getDeclaredTypeOfSymbol(
      exported.find((symbol) => symbol.name === name)!,
    );

  const visit = (type: ts.Type, prefix: string): void => {
    if (type.isUnion()) {
      for (const member of type.types) visit(member, prefix);
      return;
    }
    if (checker.isArrayType(type)) {
      visit(
        checker.getTypeArguments(type as ts.TypeReference)[0],
        `${prefix}[]`,
      );
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    for (const info of checker.getIndexInfosOfType(type)) {
      out.add(`${prefix}.*`);
      visit(info.type, `${prefix}.*`);
    }
    for (const property of checker.getPropertiesOfType(type)) {
      const child = checker.getTypeOfSymbol(property);
      const childPath = `${prefix}.${property.name}`;
      out.add(childPath);
      if (prefix === "experiment.variants[]" && property.name === "model")
        continue;
      visit(child, childPath);
    }
  };
  visit(typeOf("ModelIr"), "model");
  visit(typeOf("ExperimentIr"), "experiment");
  return out;
}

const specFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".hmdn"))
    .map((name) => path.join(dir, name));

describe("IR schema", () => {
  const irs: (ModelIr | ExperimentIr)[] = [];
  let declared = 0;

  beforeAll(async () => {
    const files = [...specFiles("specs"), "test/fixtures/ir/coverage.hmdn"];
    const { loadProgram } = await import("../../src/compiler/program.js");
    const { parseSpec } = await import("../../src/parser/index.js");
    for (const file of files) {
      const program = await loadProgram([file], parseSpec);
      for (const declaration of program.declarationsByFile.get(file) ?? []) {
        const name = declaration.name.name;
        if (
          declaration.keyword === "model" ||
          declaration.keyword === "experiment"
        ) {
          declared++;
        }
        if (declaration.keyword === "model") {
          const result = await compileModel(file, { model: name });
          if (result.ir !== null) irs.push(result.ir);
        } else if (declaration.keyword === "experiment") {
          const result = await compileExperiment(file, { experiment: name });
          if (result.ir !== null) irs.push(result.ir);
        }
      }
    }
  }, 60_000);

  it("accepts every IR compiled from the specs", () => {
    expect(irs.length).toBe(declared);
    const failures = irs.flatMap((ir) =>
      schemaErrors(ir).map((error) => `${ir.name}: ${error}`),
    );
    expect(failures).toEqual([]);
  });

  it("describes exactly the paths the compiler emits", () => {
    const emitted = new Set<string>();
    for (const ir of irs) valuePaths(ir, ir.kind, emitted);
    const described = new Set<string>();
    schemaPaths(definitions.ModelIr, "model", described);
    schemaPaths(definitions.ExperimentIr, "experiment", described);
    expect([...emitted].filter((key) => !described.has(key))).toEqual([]);
    expect([...described].filter((key) => !emitted.has(key))).toEqual([]);
  });

  it("describes exactly the paths of the TypeScript types", () => {
    const typed = typePaths();
    const described = new Set<string>();
    schemaPaths(definitions.ModelIr, "model", described);
    schemaPaths(definitions.ExperimentIr, "experiment", described);
    expect([...typed].filter((key) => !described.has(key)).sort()).toEqual([]);
    expect([...described].filter((key) => !typed.has(key)).sort()).toEqual([]);
  });

  it("rejects an unknown key", () => {
    const ir = irs.find((item): item is ModelIr => item.kind === "model")!;
    const broken = { ...ir, train: { ...ir.train, learningRate: 1 } };
    expect(schemaErrors(broken)).toEqual([
      "/train: must NOT have additional properties `learningRate`",
    ]);
  });
});
