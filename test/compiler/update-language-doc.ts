// Regenerates the key tables of docs/language.md from the block signatures:
// `npx tsx test/compiler/update-language-doc.ts`.
import { readFileSync, writeFileSync } from "node:fs";
import prettier from "prettier";

import { updateLanguageDoc } from "../../src/compiler/docs.js";

/** Regenerates the doc's key tables, then formats it like the rest of the repository. */
export async function regeneratedDoc(
  text: string,
  file: string,
): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(updateLanguageDoc(text), {
    ...options,
    filepath: file,
  });
}

if (process.argv[1]?.endsWith("update-language-doc.ts")) {
  const file = "docs/language.md";
  writeFileSync(file, await regeneratedDoc(readFileSync(file, "utf8"), file));
}
