import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../src/parser/index.js";

const specRoot = join(import.meta.dirname, "../../specs");

function specFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return specFiles(path);
    return entry.name.endsWith(".hmdn") ? [path] : [];
  });
}

describe("example specs", () => {
  for (const file of specFiles(specRoot)) {
    it(`parse ${file.slice(specRoot.length + 1)} without diagnostics`, () => {
      const result = parseSpec(readFileSync(file, "utf8"), file);
      expect(result.diagnostics).toEqual([]);
      const { imports, declarations } = result.ast;
      expect(imports.length + declarations.length).toBeGreaterThan(0);
    });
  }
});
