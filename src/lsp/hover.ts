import type { Hover } from "vscode-languageserver";

import {
  describeType,
  formatParams,
  formatSetting,
  inferShapes,
  totalOf,
  type BlockSummary,
  type KeySignature,
} from "../compiler/index.js";
import type { Declaration, Entry, Node } from "../parser/ast.js";
import type { Analysis } from "./analysis.js";
import type { PositionMap } from "./positions.js";
import { blockContexts, keyOf, nodesAt } from "./syntax-tree.js";

/**
 * Builds the hover of a position: on an entry's key or value, the key's documentation
 * and the inferred output shape and parameter count of every block the
 * entry defines; on a model's name, the summary of the whole model.
 */
export async function hoverAt(
  analysis: Analysis,
  positions: PositionMap,
  offset: number,
): Promise<Hover | null> {
  const chain = nodesAt(analysis.parsed.ast, offset);
  const innermost = chain[chain.length - 1];
  const declaration = chain.find(
    (node): node is Declaration => node.kind === "Declaration",
  );
  if (declaration === undefined || innermost.kind !== "Identifier") return null;

  if (innermost === declaration.name) {
    const rows = await summaryRows(analysis, declaration, null);
    if (rows === null) return null;
    return markdown(
      modelSummary(declaration.name.name, rows),
      positions,
      innermost,
    );
  }

  // The innermost entry around the cursor, on its key or one of its values.
  const entryIndex = chain.findLastIndex((node) => node.kind === "Entry");
  if (entryIndex < 0) return null;
  const entry = chain[entryIndex] as Entry;
  const contexts = blockContexts(chain.slice(0, entryIndex + 1));
  const key = keyOf(contexts[contexts.length - 1], entry);
  const parts: string[] = [];
  if (key !== undefined) parts.push(describeKey(key, entry));
  const rows = await summaryRows(analysis, declaration, entry);
  if (rows !== null && rows.length > 0) parts.push(shapeTable(rows));
  if (parts.length === 0) return null;
  return markdown(parts.join("\n\n"), positions, innermost);
}

/**
 * Compiles the model the hover belongs to and returns its blocks, only
 * those whose spec span lies inside `entry` when one is given. Outside a
 * model the first model of the same file is used, because a dataset or
 * features block has shapes only as some model uses it.
 */
async function summaryRows(
  analysis: Analysis,
  declaration: Declaration,
  entry: Entry | null,
): Promise<BlockSummary[] | null> {
  // Limitation: the first model of the file is used for every model that
  // uses a dataset or features block, so other models' shapes are not shown.
  const model =
    declaration.keyword === "model"
      ? declaration
      : analysis.parsed.ast.declarations.find(
          (item) => item.keyword === "model",
        );
  if (model === undefined) return null;
  if (entry === null && declaration !== model) return null;
  const compiled = await analysis.compile(model.name.name);
  if (compiled.ir === null) return null;
  const rows = inferShapes(compiled.ir);
  if (entry === null) return rows;
  return rows.filter((row) => {
    const span = compiled.spans[row.id];
    return (
      span !== undefined &&
      span.file === analysis.file &&
      entry.loc.start <= span.start &&
      span.end <= entry.loc.end
    );
  });
}

function describeKey(key: KeySignature, entry: Entry): string {
  const lines = [`**${entry.key.name}**: ${key.doc}`];
  const value = describeValue(key);
  if (value !== undefined) lines.push(`Value: ${value}`);
  if (key.default !== undefined) {
    lines.push(`Default: \`${formatSetting(key.default)}\``);
  } else if (key.defaultDoc !== undefined) {
    lines.push(`Default: ${key.defaultDoc}`);
  }
  return lines.join("\n\n");
}

/** Describes what may follow a key: its values, its block, or both. */
function describeValue(key: KeySignature): string | undefined {
  const block = "a block `{ .. }`";
  if (key.type === undefined)
    return key.block === undefined ? undefined : block;
  const type = describeType(key.type);
  if (key.block === undefined) return type;
  if (key.valueOptional === true) return `${type}, or ${block}`;
  return `${type}, then ${key.blockRequired === true ? block : `optionally ${block}`}`;
}

function shapeTable(rows: readonly BlockSummary[]): string {
  const lines = ["| block | output | parameters |", "| --- | --- | --- |"];
  for (const row of rows) {
    lines.push(
      `| ${row.block} | [${row.output.join(", ")}] | ${formatParams(row.params)} |`,
    );
  }
  return lines.join("\n");
}

function modelSummary(name: string, rows: readonly BlockSummary[]): string {
  const total = totalOf(rows);
  const output = rows.length === 0 ? [] : rows[rows.length - 1].output;
  return [
    `**model ${name}**: ${rows.length} blocks, output [${output.join(", ")}], ` +
      `${formatParams(total.params)} parameters`,
    shapeTable(rows),
  ].join("\n\n");
}

function markdown(value: string, positions: PositionMap, node: Node): Hover {
  return {
    contents: { kind: "markdown", value },
    range: positions.range(node.loc),
  };
}
