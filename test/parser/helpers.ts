import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parseSpec, type ParseResult } from "../../src/parser/index.js";

/** A diagnostic reduced to what table tests compare. */
export interface Reported {
  readonly code: string;
  readonly at: string;
  readonly message: string;
}

/** Parses `text` as `test.hmdn` and returns its diagnostics as `code`, `line:column`, message. */
export function diagnose(text: string): Reported[] {
  const result = parseSpec(text, "test.hmdn");
  return result.diagnostics.map((item) => reported(result, item));
}

export function reported(result: ParseResult, item: Diagnostic): Reported {
  const { line, column } = result.source.lineColumn(item.span.start);
  return { code: item.code, at: `${line}:${column}`, message: item.message };
}

type AnyNode = { kind: string; [key: string]: unknown };

/** Prints an AST fragment compactly, e.g. `levels(6) task(click){label(is_click)}`. */
export function show(node: unknown): string {
  if (Array.isArray(node)) return node.map(show).join(" ");
  const item = node as AnyNode;
  switch (item.kind) {
    case "SpecFile": {
      const imports = (item.imports as AnyNode[]).map(show);
      const declarations = (item.declarations as AnyNode[]).map(show);
      return [...imports, ...declarations].join(" ");
    }
    case "Import":
      return `import(${show(item.path)})`;
    case "Declaration": {
      const base = item.extends === null ? "" : `<${show(item.extends)}`;
      return `${String(item.keyword)} ${show(item.name)}${base}${show(item.body)}`;
    }
    case "Block":
      return `{${show(item.entries)}}`;
    case "Entry": {
      const values = (item.values as AnyNode[]).map(show).join(", ");
      const block = item.block === null ? "" : show(item.block);
      return `${show(item.key)}(${values})${block}`;
    }
    case "Vary":
      return `vary ${show(item.path)} in ${show(item.values)}`;
    case "NumberLiteral":
      return String(item.value);
    case "StringLiteral":
      return JSON.stringify(item.value);
    case "BooleanLiteral":
      return String(item.value);
    case "Identifier":
      return String(item.name);
    case "Path":
      return (item.segments as AnyNode[]).map(show).join(".");
    case "ListValue":
      return `[${(item.items as AnyNode[]).map(show).join(", ")}]`;
    case "Call":
      return `${show(item.callee)}(${(item.args as AnyNode[]).map(show).join(", ")})`;
    case "Argument":
      return item.name === null
        ? show(item.value)
        : `${show(item.name)}: ${show(item.value)}`;
    default:
      throw new Error(`show: unknown node kind ${item.kind}`);
  }
}
