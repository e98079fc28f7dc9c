// Golden tests of every checker code: each fixture marks the lines where
// it expects a diagnostic with `// ~ error[CODE]` (or `warning[CODE]`), and
// the rendered output is snapshotted. A first line `// mode: compile` runs
// `compileModel` instead of `checkFiles`; `// mode: data` checks with `data`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { checkFiles, compileModel } from "../../src/compiler/index.js";
import { checkCodes } from "../../src/diagnostics/codes-check.js";
import { irCodes } from "../../src/diagnostics/codes-ir.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";
import { renderExamples, withExample } from "./diagnostic-pages.js";
import type { Source } from "../../src/diagnostics/span.js";

const fixtureDir = "test/fixtures/diagnostics";
const repoRoot = path.resolve(fixtureDir, "../../..");
const fixtures = readdirSync(fixtureDir)
  .filter((name) => /^HMD\d{4}-[a-z0-9-]+\.hmdn$/.test(name))
  .sort();

interface Mark {
  readonly file: string;
  readonly line: number;
  readonly severity: string;
  readonly code: string;
}

function expectedMarks(sources: ReadonlyMap<string, Source>): Mark[] {
  const marks: Mark[] = [];
  for (const [file, source] of sources) {
    for (let line = 1; line <= source.lineCount; line++) {
      const pattern = /~ (error|warning)\[(HMD\d{4})\]/g;
      for (const match of source.lineText(line).matchAll(pattern)) {
        marks.push({ file, line, severity: match[1], code: match[2] });
      }
    }
  }
  return sortMarks(marks);
}

function actualMarks(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, Source>,
): Mark[] {
  return sortMarks(
    diagnostics.map((item) => ({
      file: item.file,
      line: sources.get(item.file)?.lineColumn(item.span.start).line ?? 0,
      severity: item.severity,
      code: item.code,
    })),
  );
}

function sortMarks(marks: Mark[]): Mark[] {
  return marks.sort((a, b) =>
    `${a.file}:${a.line}:${a.code}`.localeCompare(
      `${b.file}:${b.line}:${b.code}`,
    ),
  );
}

async function run(file: string) {
  const firstLine = readFileSync(file, "utf8").split("\n")[0];
  if (firstLine.includes("mode: compile")) return compileModel(file);
  return checkFiles([file], { data: firstLine.includes("mode: data") });
}

describe("diagnostic fixtures", () => {
  for (const name of fixtures) {
    it(`${name} reports what it marks`, async () => {
      const file = path.join(fixtureDir, name);
      const result = await run(file);
      expect(actualMarks(result.diagnostics, result.sources)).toEqual(
        expectedMarks(result.sources),
      );
      const rendered = renderDiagnostics(result.diagnostics, result.sources, {
        color: false,
      });
      // Messages may name resolved absolute paths; the snapshot must not
      // depend on where the repository is checked out.
      expect(rendered.replaceAll(repoRoot, "<repo>")).toMatchSnapshot();
    });
  }

  it("covers every checker code", () => {
    const covered = new Set(fixtures.map((name) => name.slice(0, 7)));
    const missing = Object.keys(checkCodes).filter(
      (code) => !covered.has(code),
    );
    expect(missing).toEqual([]);
  });

  it("names each fixture after its code's slug", () => {
    const wrong = fixtures.filter((name) => {
      const code = name.slice(0, 7) as keyof typeof checkCodes;
      return `${code}-${checkCodes[code]?.slug}.hmdn` !== name;
    });
    expect(wrong).toEqual([]);
  });
});

describe("diagnostic pages", () => {
  it("exist for every HMD2 and HMD3 code", () => {
    const codes = [...Object.keys(checkCodes), ...Object.keys(irCodes)];
    const missing = codes.filter(
      (code) => !existsSync(path.join("docs/diagnostics", `${code}.md`)),
    );
    expect(missing).toEqual([]);
  });

  it("show the current output of their fixture (run test/compiler/diagnostic-pages.ts)", async () => {
    const stale: string[] = [];
    for (const [code, example] of await renderExamples()) {
      const page = readFileSync(
        path.join("docs/diagnostics", `${code}.md`),
        "utf8",
      );
      if (withExample(page, example) !== page) stale.push(code);
    }
    expect(stale).toEqual([]);
  });
});
