// Renders the example of each HMD2xxx page in docs/diagnostics from its
// fixture: the fixture without its `// ~` marks, and the checker's output
// on it. `npx tsx test/compiler/diagnostic-pages.ts` rewrites the pages'
// examples; diagnostics.test.ts checks that they are current.
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { checkFiles, compileModel } from "../../src/compiler/index.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";

const fixtureDir = "test/fixtures/diagnostics";

/** Removes the test marks, so the example reads like a user's spec. */
function stripMarks(text: string): string {
  return text
    .replace(/[ \t]*\/\/ (mode: \w+ )?~ (error|warning)\[HMD\d+\]/g, "")
    .replace(/^\/\/ mode: \w+\n/, "")
    .replace(/^\n+/, "");
}

/** Returns the example section of every HMD2xxx page, by code. */
export async function renderExamples(): Promise<Map<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-pages-"));
  cpSync(fixtureDir, dir, { recursive: true });
  const names = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".hmdn"));
  const marked = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const text = readFileSync(file, "utf8");
    marked.set(name, text);
    writeFileSync(file, stripMarks(text));
  }
  // The relative form contains the absolute one, so it is replaced first.
  const prefixes = [`${path.relative(process.cwd(), dir)}/`, `${dir}/`];
  const examples = new Map<string, string>();
  for (const name of names.filter((item) => /^HMD2\d{3}-/.test(item)).sort()) {
    const file = path.join(dir, name);
    const firstLine = marked.get(name)!.split("\n")[0];
    const result = firstLine.includes("mode: compile")
      ? await compileModel(file)
      : await checkFiles([file], { data: firstLine.includes("mode: data") });
    let output = renderDiagnostics(result.diagnostics, result.sources, {
      color: false,
    });
    for (const prefix of prefixes) output = output.replaceAll(prefix, "");
    const code = name.slice(0, 7);
    const lines = [readFileSync(file, "utf8").trimEnd()];
    if (lines[0].includes('"lib/base.hmdn"')) {
      lines.unshift(
        "// lib/base.hmdn declares dataset `tiny`, features `tiny` and model `base`.",
      );
    }
    if (code === "HMD2002") {
      lines.unshift(`// ${name}`);
      for (const library of ["lib/cycle-a.hmdn", "lib/cycle-b.hmdn"]) {
        lines.push(
          "",
          `// ${library}`,
          readFileSync(path.join(dir, library), "utf8").trimEnd(),
        );
      }
    }
    examples.set(
      code,
      [
        "## Example",
        "",
        "```hmdn",
        ...lines,
        "```",
        "",
        "```text",
        output.trimEnd(),
        "```",
        "",
      ].join("\n"),
    );
  }
  return examples;
}

const EXAMPLE = /## Example\n[\s\S]*?```text\n[\s\S]*?```\n/;

/** Returns `page` with its example section replaced by `example`. */
export function withExample(page: string, example: string): string {
  return page.replace(EXAMPLE, example);
}

if (process.argv[1]?.endsWith("diagnostic-pages.ts")) {
  for (const [code, example] of await renderExamples()) {
    const file = `docs/diagnostics/${code}.md`;
    writeFileSync(file, withExample(readFileSync(file, "utf8"), example));
  }
}
