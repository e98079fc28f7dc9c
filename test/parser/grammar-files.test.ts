import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  generateCstDeclarations,
  generateGrammarDiagrams,
} from "../../src/parser/artifacts.js";
import { SpecParser } from "../../src/parser/grammar.js";
import { KEYWORDS } from "../../src/parser/index.js";

const root = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const ebnf = read("grammar/hmdnc.ebnf");
const ruleNames = Object.keys(
  new SpecParser({ validate: true }).getGAstProductions(),
);

/** Lists the lowercase production names of the EBNF file, ignoring comments. */
function ebnfRules(): string[] {
  const text = ebnf.replace(/\(\*[\s\S]*?\*\)/g, "");
  return [...text.matchAll(/^([a-z][a-z_]*)\s*=/gm)].map((match) => match[1]);
}

describe("grammar files", () => {
  it("name the same rules in the EBNF and the parser", () => {
    expect(ebnfRules().sort()).toEqual([...ruleNames].sort());
  });

  it("restate each production in the rule's doc comment", () => {
    const source = read("src/parser/grammar.ts");
    for (const name of ruleNames) {
      const pattern = new RegExp(
        `/\\*\\*[^/]*\`${name} = [^/]*\\*/\\s*${name} = this\\.RULE\\("${name}"`,
      );
      expect(source, `rule ${name}`).toMatch(pattern);
    }
  });

  it("list every keyword in the EBNF", () => {
    for (const word of KEYWORDS) expect(ebnf).toContain(`"${word}"`);
  });

  it("keep the committed CST declarations current", async () => {
    expect(read("src/parser/cst.d.ts")).toBe(await generateCstDeclarations());
  });

  it("keep the committed railroad diagrams current", async () => {
    expect(read("docs/grammar.html")).toBe(await generateGrammarDiagrams());
  });
});
