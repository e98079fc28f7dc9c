import path from "node:path";
import { pathToFileURL } from "node:url";

import type { Location } from "vscode-languageserver";

import type { Declaration, Import, Node } from "../parser/ast.js";
import type { Analysis, DeclaredName } from "./analysis.js";
import { PositionMap } from "./positions.js";
import { nodesAt } from "./syntax-tree.js";

/**
 * Finds where the name or import path at an offset is declared: an import
 * goes to the imported file, a name to the declaration, feature or group
 * of that name anywhere in the program. Entry keys have no definition.
 */
export function definitionAt(analysis: Analysis, offset: number): Location[] {
  const chain = nodesAt(analysis.parsed.ast, offset);
  const innermost = chain[chain.length - 1];
  const parent: Node | undefined = chain[chain.length - 2];

  if (innermost.kind === "StringLiteral" && parent?.kind === "Import") {
    const target = path.resolve(
      path.dirname(analysis.file),
      (parent as Import).path.value,
    );
    const start = { line: 0, character: 0 };
    return [{ uri: pathToFileURL(target).href, range: { start, end: start } }];
  }
  if (innermost.kind !== "Identifier") return [];
  if (parent?.kind === "Entry" && parent.key === innermost) return [];

  let candidates = analysis
    .declaredNames()
    .filter((name) => name.name === innermost.name);
  if (
    parent?.kind === "Declaration" &&
    (parent as Declaration).extends === innermost
  ) {
    const keyword = (parent as Declaration).keyword;
    candidates = candidates.filter((name) => name.kind === keyword);
  }
  return candidates.flatMap((name) => locationOf(analysis, name));
}

function locationOf(analysis: Analysis, name: DeclaredName): Location[] {
  const source = analysis.program.sources.get(name.file);
  if (source === undefined) return [];
  const positions = new PositionMap(source.text);
  return [
    {
      uri: pathToFileURL(path.resolve(name.file)).href,
      range: positions.range(name.span),
    },
  ];
}
