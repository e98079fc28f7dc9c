import { readFile } from "node:fs/promises";
import path from "node:path";

import { format as prettierFormat } from "prettier";
import { describe, expect, it } from "vitest";

import { formatAst, formatSpec } from "../../src/format/format.js";
import { massageAst } from "../../src/format/massage-ast.js";
import plugin from "../../src/format/plugin.js";
import type { Node, SpecFile } from "../../src/parser/ast.js";
import { childKeys } from "../../src/parser/ast.js";
import { parseSpec } from "../../src/parser/index.js";
import { listSpecFiles, repositoryRoot } from "./spec-files.js";

const files = [
  ...listSpecFiles("specs"),
  ...listSpecFiles("test/fixtures/format"),
];

async function formatted(text: string, file = "input.hmdn"): Promise<string> {
  const result = await formatSpec(text, file);
  if (!result.ok) {
    throw new Error(
      `unexpected syntax errors: ${result.diagnostics.map((item) => item.message).join("; ")}`,
    );
  }
  return result.formatted;
}

function parseClean(text: string, file: string): SpecFile {
  const result = parseSpec(text, file);
  expect(result.diagnostics.map((item) => item.message)).toEqual([]);
  return result.ast;
}

/**
 * Names the block each comment sits in: its declaration and the keys of
 * the entries whose block contains it, e.g. `model m > train`. A comment
 * that moves out of its block changes its chain.
 */
function commentPlaces(ast: SpecFile): string[] {
  return ast.comments.map((comment) => {
    const chain: string[] = [];
    const visit = (node: Node) => {
      if (
        node.loc.start > comment.loc.start ||
        node.loc.end < comment.loc.end
      ) {
        return;
      }
      if (node.kind === "Declaration") {
        chain.push(`${node.keyword} ${node.name.name}`);
      }
      const block = node.kind === "Entry" ? node.block : null;
      if (
        block !== null &&
        block.loc.start <= comment.loc.start &&
        comment.loc.end <= block.loc.end
      ) {
        chain.push((node as { key: { name: string } }).key.name);
      }
      for (const key of childKeys[node.kind]) {
        const child = (node as unknown as Record<string, unknown>)[key];
        for (const item of Array.isArray(child) ? child : [child]) {
          if (typeof item === "object" && item !== null) visit(item as Node);
        }
      }
    };
    visit(ast);
    return `${comment.text.slice(0, 30)} @ ${chain.join(" > ")}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe("formatter on every spec", () => {
  it("finds the specs and the kitchen sink", () => {
    expect(files).toContain("specs/kuairand/data.hmdn");
    expect(files).toContain("test/fixtures/format/kitchen-sink.hmdn");
  });

  for (const file of files) {
    const relative = file.replace(/^test\//, "");
    const read = () => readFile(path.join(repositoryRoot, file), "utf8");

    // A spec in specs/ is its own snapshot: it must already be formatted.
    if (file.startsWith("specs/")) {
      it(`finds ${file} already formatted`, async () => {
        const text = await read();
        expect(await formatted(text, file)).toBe(text);
      });
    } else
      it(`formats ${file} as the snapshot`, async () => {
        await expect(await formatted(await read(), file)).toMatchFileSnapshot(
          `__snapshots__/${relative}.formatted`,
        );
      });

    it(`keeps the AST of ${file}`, async () => {
      const text = await read();
      const before = parseClean(text, file);
      const after = parseClean(await formatted(text, file), file);
      expect(massageAst(after)).toEqual(massageAst(before));
    });

    it(`keeps every comment of ${file} once and in its block`, async () => {
      const text = await read();
      const before = parseClean(text, file);
      const after = parseClean(await formatted(text, file), file);
      expect(after.comments.map((comment) => comment.text)).toEqual(
        before.comments.map((comment) => comment.text),
      );
      expect(commentPlaces(after)).toEqual(commentPlaces(before));
    });

    it(`formats ${file} idempotently`, async () => {
      const once = await formatted(await read(), file);
      expect(await formatted(once, file)).toBe(once);
    });

    it(`leaves the AST of ${file} unchanged while printing`, async () => {
      const parsed = parseSpec(await read(), file);
      const json = JSON.stringify(parsed.ast);
      const printed = await formatAst(
        deepFreeze(parsed.ast),
        parsed.source.text,
        file,
      );
      expect(JSON.stringify(parsed.ast)).toBe(json);
      expect(printed).toBe(await formatted(parsed.source.text, file));
    });
  }
});

describe("formatter layout", () => {
  const cases: [string, string, string][] = [
    [
      "indents nested blocks by two spaces",
      "model m {\n        train {\n    batch 8\n  }\n}\n",
      "model m {\n  train {\n    batch 8\n  }\n}\n",
    ],
    [
      "keeps a one-line block on one line",
      "model m {\n  hierarchy {levels 6 codebook 32}\n}\n",
      "model m {\n  hierarchy { levels 6  codebook 32 }\n}\n",
    ],
    [
      "breaks a one-line block that is too wide",
      `model m { note "${"x".repeat(60)}"  other 1 }\n`,
      `model m {\n  note "${"x".repeat(60)}"\n  other 1\n}\n`,
    ],
    [
      "collapses blank lines to one",
      "model m {\n  a 1\n\n\n\n  b 2\n}\n",
      "model m {\n  a 1\n\n  b 2\n}\n",
    ],
    [
      "drops blank lines after a brace and before one",
      "model m {\n\n  a 1\n\n}\n",
      "model m {\n  a 1\n}\n",
    ],
    [
      "separates declarations by one blank line",
      "model a { x 1 }\nmodel b { x 2 }\n\n\n\nmodel c { x 3 }",
      "model a { x 1 }\n\nmodel b { x 2 }\n\nmodel c { x 3 }\n",
    ],
    [
      "puts one blank line after the imports",
      'import "a.hmdn"\nimport "b.hmdn"\nmodel m { x 1 }\n',
      'import "a.hmdn"\nimport "b.hmdn"\n\nmodel m { x 1 }\n',
    ],
    ["prints an empty block as braces", "model m {   }\n", "model m {}\n"],
    [
      "normalizes spaces around punctuation",
      "model m{optimizer adam( lr :1e-3 ,beta:0.9 )  layers [ 1,2 , 3 ]}\n",
      "model m { optimizer adam(lr: 1e-3, beta: 0.9)  layers [1, 2, 3] }\n",
    ],
    [
      "keeps numbers and strings as written",
      'model m {\n  sizes 100k, 2M, 1e-3, -0.5, 2.5e+4\n  note "a\\"b\\\\c\\u00e9"\n}\n',
      'model m {\n  sizes 100k, 2M, 1e-3, -0.5, 2.5e+4\n  note "a\\"b\\\\c\\u00e9"\n}\n',
    ],
    [
      "wraps a long value run after a comma",
      `features f {\n  categorical ${Array.from({ length: 9 }, (_, i) => `column_${i}`).join(", ")}\n}\n`,
      "features f {\n  categorical column_0, column_1, column_2, column_3, column_4, column_5,\n    column_6, column_7, column_8\n}\n",
    ],
    [
      "packs a long list of numbers",
      `model m {\n  layers [${Array.from({ length: 12 }, () => "1000000").join(", ")}]\n}\n`,
      "model m {\n  layers [\n    1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000,\n    1000000, 1000000, 1000000, 1000000\n  ]\n}\n",
    ],
    [
      "breaks a long list of calls one per line",
      `model m {\n  steps [${Array.from({ length: 4 }, (_, i) => `step(every: ${i}000, factor: 0.5)`).join(", ")}]\n}\n`,
      "model m {\n  steps [\n    step(every: 0000, factor: 0.5),\n    step(every: 1000, factor: 0.5),\n    step(every: 2000, factor: 0.5),\n    step(every: 3000, factor: 0.5)\n  ]\n}\n",
    ],
    [
      "prints vary with its path",
      "experiment e {\n  vary hierarchy . levels in [1,2]\n}\n",
      "experiment e {\n  vary hierarchy.levels in [1, 2]\n}\n",
    ],
    [
      "keeps CRLF line ends",
      "model m {a 1\r\n}\r\n",
      "model m {\r\n  a 1\r\n}\r\n",
    ],
    [
      "keeps a mark and CRLF together",
      "\ufeffmodel m {\r\na 1}\r\n",
      "\ufeffmodel m {\r\n  a 1\r\n}\r\n",
    ],
    [
      "keeps comments and blank lines of a CRLF file",
      "// head\r\nmodel m {\r\n  a 1 // one\r\n\r\n  /* two */\r\n  b 2\r\n}\r\n",
      "// head\r\nmodel m {\r\n  a 1 // one\r\n\r\n  /* two */\r\n  b 2\r\n}\r\n",
    ],
    ["formats an empty file as empty", "\n\n", ""],
    [
      "keeps a byte order mark",
      "\ufeffmodel m {a 1}\n",
      "\ufeffmodel m { a 1 }\n",
    ],
    [
      "keeps a file of comments only",
      "// one\n\n\n/* two */\n",
      "// one\n\n/* two */\n",
    ],
  ];
  for (const [name, input, output] of cases) {
    it(name, async () => {
      expect(await formatted(input)).toBe(output);
    });
  }
});

describe("formatter comments", () => {
  const cases: [string, string, string][] = [
    [
      "keeps an end-of-line comment after an entry",
      "model m {\n  a 1 // one\n  b 2\n}\n",
      "model m {\n  a 1 // one\n  b 2\n}\n",
    ],
    [
      "keeps a comment before the closing brace",
      "model m {\n  a 1\n    // last\n}\n",
      "model m {\n  a 1\n  // last\n}\n",
    ],
    [
      "keeps a comment after an opening brace",
      "model m { // first\n  a 1\n}\n",
      "model m { // first\n  a 1\n}\n",
    ],
    [
      "keeps a comment in an empty block",
      "model m {\n  train { // nothing yet\n  }\n}\n",
      "model m {\n  train { // nothing yet\n  }\n}\n",
    ],
    [
      "keeps a comment in an empty list",
      "model m { layers [ /* none */ ] }\n",
      "model m { layers [/* none */] }\n",
    ],
    [
      "keeps a blank line before a comment",
      "model m {\n  a 1\n\n  // about b\n  b 2\n}\n",
      "model m {\n  a 1\n\n  // about b\n  b 2\n}\n",
    ],
    [
      "keeps a comment at the end of the file",
      "model m { a 1 }\n\n// the end\n",
      "model m { a 1 }\n\n// the end\n",
    ],
    [
      "keeps a block comment between values",
      "model m { sizes 1, /* two */ 2 }\n",
      "model m { sizes 1, /* two */ 2 }\n",
    ],
    [
      "moves a line comment behind the value",
      "model m {\n  levels // six\n    6\n}\n",
      "model m {\n  levels 6 // six\n}\n",
    ],
  ];
  for (const [name, input, output] of cases) {
    it(name, async () => {
      expect(await formatted(input)).toBe(output);
    });
  }
});

describe("formatter on invalid input", () => {
  it("returns the syntax errors instead of a text", async () => {
    const result = await formatSpec("model m {\n  a 1\n", "broken.hmdn");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0].code).toMatch(/^HMD1/);
    expect(result.diagnostics[0].file).toBe("broken.hmdn");
  });
});

describe("prettier plugin", () => {
  it("formats through prettier's own API", async () => {
    const output = await prettierFormat("model m {a 1\n b [1,2]}", {
      parser: "hmdn",
      plugins: [plugin],
    });
    expect(output).toBe("model m {\n  a 1\n  b [1, 2]\n}\n");
  });

  it("rejects a file with syntax errors", async () => {
    await expect(
      prettierFormat("model m {", { parser: "hmdn", plugins: [plugin] }),
    ).rejects.toThrow(/HMD1/);
  });

  it("finds the parser by the .hmdn extension", async () => {
    const output = await prettierFormat("model  m {}", {
      filepath: "x.hmdn",
      plugins: [plugin],
    });
    expect(output).toBe("model m {}\n");
  });
});

describe("formatter coverage", () => {
  it("finds every node kind in the kitchen sink", async () => {
    const text = await readFile(
      path.join(repositoryRoot, "test/fixtures/format/kitchen-sink.hmdn"),
      "utf8",
    );
    const kinds = new Set<string>();
    JSON.stringify(parseClean(text, "kitchen-sink.hmdn"), (key, value) => {
      if (key === "kind" && typeof value === "string") kinds.add(value);
      return value;
    });
    expect([...kinds].sort()).toEqual(Object.keys(childKeys).sort());
  });

  it("rejects a node of an unknown kind", async () => {
    const ast = parseClean("model m { a 1 }\n", "unknown.hmdn");
    const entry = ast.declarations[0].body.entries[0] as { kind: string };
    const broken = structuredClone(ast);
    (broken.declarations[0].body.entries[0] as { kind: string }).kind =
      "Mystery";
    expect(entry.kind).toBe("Entry");
    await expect(
      formatAst(broken, "model m { a 1 }\n", "unknown.hmdn"),
    ).rejects.toThrow("the formatter cannot print a node of kind `Mystery`");
  });
});
