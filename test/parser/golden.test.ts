import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codes } from "../../src/diagnostics/codes.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";
import { parseSpec } from "../../src/parser/index.js";

const fixtureDirectory = join(import.meta.dirname, "../fixtures/parser");
const fixtures = readdirSync(fixtureDirectory).filter((name) =>
  name.endsWith(".hmdn"),
);

/**
 * Reads the expected diagnostics written in the fixture: `//~ CODE` marks
 * its own line, `//~^ CODE` the line above and `//~v CODE` the line below.
 */
function annotations(text: string): string[] {
  const expected: string[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    for (const match of line.matchAll(/\/\/~([\^v]?) (HMD\d{4})/g)) {
      const offset = match[1] === "^" ? -1 : match[1] === "v" ? 1 : 0;
      expected.push(`${match[2]} line ${index + 1 + offset}`);
    }
  });
  return expected.sort();
}

describe("syntax error goldens", () => {
  it("cover every HMD1 code", () => {
    const covered = new Set(fixtures.map((name) => name.slice(0, 7)));
    const catalogue = Object.keys(codes).filter((code) =>
      code.startsWith("HMD1"),
    );
    expect([...covered].sort()).toEqual(catalogue.sort());
  });

  for (const name of fixtures) {
    it(`render ${name}`, async () => {
      const text = readFileSync(join(fixtureDirectory, name), "utf8");
      const result = parseSpec(text, name);
      const reported = result.diagnostics.map((item) => {
        const { line } = result.source.lineColumn(item.span.start);
        return `${item.code} line ${line}`;
      });
      expect(reported.sort()).toEqual(annotations(text));

      const rendered = renderDiagnostics(
        result.diagnostics,
        new Map([[name, result.source]]),
        // Goldens show every diagnostic, past the per-file default limit.
        { color: false, maxDiagnosticsPerFile: Infinity },
      );
      expect(rendered).not.toMatch(/-->'|<--|Expecting|but found/);
      await expect(rendered).toMatchFileSnapshot(
        join(fixtureDirectory, name.replace(/\.hmdn$/, ".out")),
      );
    });
  }
});

describe("HMD1 docs pages", () => {
  const docsDirectory = join(import.meta.dirname, "../../docs/diagnostics");
  const pages = readdirSync(docsDirectory).filter((name) =>
    /^HMD1\d{3}\.md$/.test(name),
  );

  for (const page of pages) {
    it(`show the golden output in ${page}`, () => {
      const text = readFileSync(join(docsDirectory, page), "utf8");
      const block = /```text\n([\s\S]*?)```/.exec(text)?.[1];
      expect(block, "a text block with rendered output").toBeDefined();
      const fixture = /--> (HMD1\d{3}-[\w-]+)\.hmdn/.exec(block ?? "")?.[1];
      expect(fixture, "the fixture named in the output").toBeDefined();
      const golden = readFileSync(
        join(fixtureDirectory, `${fixture}.out`),
        "utf8",
      ).replace(/ *\/\/~[\^v]? HMD\d{4}/g, "");
      expect(golden).toContain((block ?? "").trimEnd());
    });
  }
});
