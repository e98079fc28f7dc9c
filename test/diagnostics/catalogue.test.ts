import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codeInfo, codes, docsPath } from "../../src/diagnostics/codes.js";

const root = join(import.meta.dirname, "../..");
const bands: Record<string, string> = {
  "1": "codes-syntax.ts",
  "2": "codes-check.ts",
  "3": "codes-ir.ts",
  "4": "codes-data.ts",
};
const entries = Object.entries(codes) as [
  string,
  { title: string; slug: string; severity: string },
][];

describe("diagnostic catalogue", () => {
  it("contains the syntax band", () => {
    expect(
      entries.filter(([code]) => code.startsWith("HMD1")).length,
    ).toBeGreaterThanOrEqual(13);
  });

  for (const [code, info] of entries) {
    describe(code, () => {
      it("has a well-formed code in the band of its file", () => {
        expect(code).toMatch(/^HMD[1-4]\d{3}$/);
        const file = readFileSync(
          join(root, "src/diagnostics", bands[code[3]]),
          "utf8",
        );
        expect(file).toContain(`${code}:`);
      });

      it("has a title in message style", () => {
        // A leading acronym such as `CSV` or `IR` keeps its capitals.
        expect(info.title).toMatch(/^([a-z`]|[A-Z]{2,}\b)/);
        expect(info.title).not.toMatch(/[.!]$/);
        expect(info.title.toLowerCase()).not.toContain("illegal");
      });

      it("has a kebab-case slug", () => {
        expect(info.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      });

      it("has a docs page", () => {
        expect(existsSync(join(root, docsPath(code)))).toBe(true);
      });
    });
  }

  it("looks up codes and rejects unknown ones", () => {
    expect(codeInfo("HMD1002")?.title).toBe("unterminated string");
    expect(codeInfo("HMD9999")).toBeUndefined();
    expect(codeInfo("toString")).toBeUndefined();
  });

  it("has a catalogue entry for every HMD1 docs page", () => {
    const pages = readdirSync(join(root, "docs/diagnostics"))
      .filter((name) => /^HMD1\d{3}\.md$/.test(name))
      .map((name) => name.slice(0, 7));
    for (const page of pages) expect(codeInfo(page)).toBeDefined();
  });
});
