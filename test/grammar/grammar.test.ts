import { readFile } from "node:fs/promises";
import path from "node:path";

import type { IToken } from "chevrotain";
import type { IGrammar } from "vscode-textmate";
import { beforeAll, describe, expect, it } from "vitest";

import { Source } from "../../src/diagnostics/span.js";
import { KEYWORDS } from "../../src/parser/index.js";
import { lex } from "../../src/parser/lexer.js";
import { renderGrammar } from "../../grammar/vscode/scripts/generate-grammar.mjs";
import { listSpecFiles, repositoryRoot } from "../format/spec-files.js";
import {
  grammarPath,
  loadGrammar,
  renderGolden,
  tokenize,
  type ScopedToken,
} from "./tokenize.js";

const root = repositoryRoot;
const specFiles = listSpecFiles("specs");
const fixtureFiles = listSpecFiles("test/fixtures/format");

let grammar: IGrammar;

beforeAll(async () => {
  grammar = await loadGrammar();
});

/** The scopes of every UTF-16 offset of `text`, from the TextMate tokens. */
function scopesByOffset(
  text: string,
  tokens: readonly ScopedToken[],
): (readonly string[])[] {
  const lineStarts = [0];
  for (const match of text.matchAll(/\r\n|\r|\n/g)) {
    lineStarts.push((match.index ?? 0) + match[0].length);
  }
  const scopes: (readonly string[])[] = new Array(text.length).fill([]);
  for (const token of tokens) {
    const start = lineStarts[token.line - 1] + token.startIndex;
    for (let i = 0; i < token.text.length; i++)
      scopes[start + i] = token.scopes;
  }
  return scopes;
}

/** What the highlighting class of a lexer token must look like in TextMate scopes. */
function expectedClass(tokenName: string): RegExp {
  switch (tokenName) {
    case "LineComment":
    case "BlockComment":
      return /^comment\./;
    case "StringLiteral":
      return /^string\.quoted\.double\./;
    case "NumberLiteral":
      return /^constant\.numeric\./;
    case "True":
    case "False":
      return /^constant\.language\.boolean\./;
    case "Identifier":
      return /^(entity\.name|entity\.other|variable|support)\./;
    case "LCurly":
    case "RCurly":
    case "LBracket":
    case "RBracket":
    case "LParen":
    case "RParen":
    case "Comma":
    case "Colon":
    case "Dot":
      return /^punctuation\./;
    default:
      return /^(keyword|storage\.type)\./;
  }
}

/** A keyword may name a block in a dotted path (`vary hierarchy.levels`). */
const pathSegment = /^variable\.other\.(object|member)\./;

function isPathSegment(tokens: readonly IToken[], index: number): boolean {
  return (
    tokens[index - 1]?.tokenType.name === "Dot" ||
    tokens[index + 1]?.tokenType.name === "Dot"
  );
}

/**
 * Lexes `text` with the real lexer and tokenizes it with the grammar, and
 * returns one line per character where the two disagree.
 */
function disagreements(text: string): string[] {
  const source = new Source(text, "input.hmdn");
  const lexed = lex(source);
  const scopes = scopesByOffset(text, tokenize(grammar, text));
  const covered = new Array<boolean>(text.length).fill(false);
  const problems: string[] = [];
  const malformedNumbers = new Set(
    lexed.diagnostics
      .filter((item) => item.code === "HMD1005")
      .map((item) => item.span.start),
  );
  const all = [...lexed.tokens, ...lexed.comments];
  all.forEach((token, index) => {
    const name = token.tokenType.name;
    let pattern = malformedNumbers.has(token.startOffset)
      ? /^invalid\.illegal\.number\./
      : expectedClass(name);
    const end = token.startOffset + token.image.length;
    covered.fill(true, token.startOffset, end);
    if (index < lexed.tokens.length && isPathSegment(lexed.tokens, index)) {
      pattern = pathSegment;
    }
    for (let i = token.startOffset; i < end; i++) {
      // TextMate tokenizes line by line, so line breaks carry no scope.
      if (text[i] === "\n" || text[i] === "\r") continue;
      // The innermost scope decides, except that a string's escape or a
      // comment's delimiter sits inside the string or comment scope.
      const inner = scopes[i].filter((scope) => scope !== "source.hmdn");
      if (!inner.some((scope) => pattern.test(scope))) {
        problems.push(
          `${name} ${JSON.stringify(token.image)} at offset ${i}: ${inner.join(" ") || "(no scope)"}`,
        );
        break;
      }
    }
  });
  for (let i = 0; i < text.length; i++) {
    if (covered[i] || /\s/.test(text[i])) continue;
    problems.push(
      `offset ${i} ${JSON.stringify(text[i])} is in no lexer token`,
    );
  }
  for (let i = 0; i < text.length; i++) {
    if (covered[i]) continue;
    if (scopes[i].some((scope) => /^(comment|string)\./.test(scope))) {
      problems.push(
        `white space at offset ${i} is scoped ${scopes[i].join(" ")}`,
      );
    }
  }
  return problems;
}

describe("TextMate grammar", () => {
  it("is generated from the lexer keywords", async () => {
    const committed = await readFile(grammarPath, "utf8");
    expect(committed).toBe(await renderGrammar(KEYWORDS));
  });

  it("highlights every lexer keyword as a keyword in key position", () => {
    for (const word of KEYWORDS) {
      if (["true", "false", "import", "extends", "in"].includes(word)) continue;
      const tokens = tokenize(grammar, `model m {\n  ${word} x\n}\n`);
      const token = tokens.find((item) => item.text === word);
      expect(token?.scopes.at(-1), word).toMatch(/^(keyword|storage\.type)\./);
    }
  });

  it("finds every spec in specs/", () => {
    expect(specFiles.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of [...specFiles, ...fixtureFiles]) {
    const relative = file.replace(/^test\//, "");
    it(`matches the token golden of ${file}`, async () => {
      const text = await readFile(path.join(root, file), "utf8");
      await expect(renderGolden(tokenize(grammar, text))).toMatchFileSnapshot(
        `__goldens__/${relative}.tokens`,
      );
    });

    it(`scopes ${file} with no invalid scope`, async () => {
      const text = await readFile(path.join(root, file), "utf8");
      const invalid = tokenize(grammar, text).filter((token) =>
        token.scopes.some((scope) => scope.startsWith("invalid")),
      );
      expect(invalid.map((token) => `${token.line}:${token.text}`)).toEqual([]);
    });

    it(`agrees with the lexer on ${file}`, async () => {
      const text = await readFile(path.join(root, file), "utf8");
      expect(disagreements(text)).toEqual([]);
    });
  }
});

describe("TextMate grammar and lexer on tricky input", () => {
  const cases: [string, string][] = [
    ["escaped quotes in a string", 'model m { note "say \\"hi\\" twice" }'],
    [
      "a backslash before the closing quote",
      'model m { path "C:\\\\data\\\\" }',
    ],
    [
      "comment markers inside a string",
      'model m { note "// no /* comment */ here" }',
    ],
    ["a unicode escape", 'model m { note "caf\\u00e9" }'],
    ["a line comment inside a block comment", "/* a // b */ model m { x 1 }"],
    ["a block comment over lines", "model m {\n  /* one\n  two */ x 1\n}"],
    ["a string inside a comment", '// "not a string\nmodel m { x 1 }'],
    [
      "keywords inside identifiers",
      "model modelName { group_id 1  trainer inner  x variants, truely }",
    ],
    [
      "keywords as entry keys",
      "model m { dataset d  features f  hierarchy { levels 2 } }",
    ],
    [
      "numbers with suffixes",
      "model m { sizes [100k, 2M, 1e-3, -0.5, 2.5e+4, 7] }",
    ],
    ["a malformed number", "model m { size 2G }"],
    [
      "a call with named arguments",
      "model m { optimizer adam(lr: 1e-3, beta: 0.9) }",
    ],
    [
      "a dotted path and vary",
      "experiment e { vary hierarchy.levels in [1, 2] }",
    ],
    ["booleans", "model m { flags true, false }"],
    ["an import", 'import "../a.hmdn" // trailing\nmodel m { x 1 }'],
    [
      "an inline block",
      'model m { multi tag { separator "|"  pooling mean } }',
    ],
  ];
  for (const [name, text] of cases) {
    it(`agrees on ${name}`, () => {
      expect(disagreements(text)).toEqual([]);
    });
  }
});
