/**
 * Writes the files generated from the parser: `src/parser/cst.d.ts` and
 * `docs/grammar.html`. Run with `npm run generate:grammar` after changing a
 * rule in `src/parser/grammar.ts`.
 */

import { renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  generateCstDeclarations,
  generateGrammarDiagrams,
} from "../src/parser/artifacts.js";

const root = fileURLToPath(new URL("..", import.meta.url));

function writeAtomically(relativePath: string, text: string): void {
  const target = `${root}${relativePath}`;
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, target);
}

writeAtomically("src/parser/cst.d.ts", await generateCstDeclarations());
writeAtomically("docs/grammar.html", await generateGrammarDiagrams());
