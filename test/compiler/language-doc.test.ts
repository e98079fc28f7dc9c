// docs/language.md carries one generated key table per block signature, and
// the committed tables match the signatures.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import {
  documentedBlockNames,
  renderKeyTable,
} from "../../src/compiler/docs.js";
import { datasetSignature } from "../../src/compiler/signatures.js";
import { regeneratedDoc } from "./update-language-doc.js";

const doc = readFileSync("docs/language.md", "utf8");

describe("docs/language.md", () => {
  it("has a key table for every block", () => {
    const tables = [...doc.matchAll(/<!-- keys: ([^>]+?) -->/g)].map(
      (match) => match[1],
    );
    expect(tables.sort()).toEqual(documentedBlockNames().sort());
  });

  it("matches the signatures (run test/compiler/update-language-doc.ts)", async () => {
    expect(await regeneratedDoc(doc, "docs/language.md")).toBe(doc);
  });

  it("renders types, defaults and call options", () => {
    const table = renderKeyTable(datasetSignature);
    expect(table).toContain("| `source` | string | required |");
    expect(table).toContain("| `bad_rows` | `error` \\| `skip` | `error` |");
    expect(table).toContain(
      "- `split random(seed: 2024, valid: 0.1, test: 0.1)`",
    );
    expect(table).toContain(
      "- `split column(column: required, valid: required, test: required)`",
    );
  });
});
