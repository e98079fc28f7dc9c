import { describe, expect, it } from "vitest";
import { Source } from "../../src/diagnostics/span.js";
import { decodeString, lex, numberValue } from "../../src/parser/lexer.js";
import { EDITOR_TOKENS, KEYWORDS } from "../../src/parser/index.js";

function tokenNames(text: string): string[] {
  return lex(new Source(text, "test.hmdn")).tokens.map(
    (token) => `${token.tokenType.name}:${token.image}`,
  );
}

function lexCodes(text: string): string[] {
  return lex(new Source(text, "test.hmdn")).diagnostics.map((item) => {
    return `${item.code}@${item.span.start}-${item.span.end}`;
  });
}

describe("lexer keywords", () => {
  it("lists the twenty reserved words", () => {
    expect(KEYWORDS).toEqual([
      "import",
      "dataset",
      "features",
      "model",
      "experiment",
      "extends",
      "group",
      "hierarchy",
      "backbone",
      "task",
      "train",
      "evaluate",
      "vary",
      "in",
      "variant",
      "categorical",
      "numeric",
      "multi",
      "true",
      "false",
    ]);
  });

  for (const word of KEYWORDS) {
    it(`lexes \`${word}\` alone as a keyword`, () => {
      const [token] = lex(new Source(word, "test.hmdn")).tokens;
      expect(token.tokenType.name).not.toBe("Identifier");
      expect(token.image).toBe(word);
    });

    it(`lexes \`${word}X\` and \`${word}_1\` as identifiers`, () => {
      expect(tokenNames(`${word}X ${word}_1`)).toEqual([
        `Identifier:${word}X`,
        `Identifier:${word}_1`,
      ]);
    });
  }

  it("lexes keyword-prefixed names from real specs as identifiers", () => {
    expect(
      tokenNames("modelName group_id trainer imports features2 index"),
    ).toEqual([
      "Identifier:modelName",
      "Identifier:group_id",
      "Identifier:trainer",
      "Identifier:imports",
      "Identifier:features2",
      "Identifier:index",
    ]);
  });
});

describe("lexer numbers", () => {
  const valid: [string, number][] = [
    ["42", 42],
    ["-0.5", -0.5],
    ["1e-3", 0.001],
    ["2.5e+4", 25000],
    ["100k", 100000],
    ["2M", 2000000],
    ["1.5k", 1500],
    ["0", 0],
  ];
  for (const [text, value] of valid) {
    it(`reads \`${text}\` as ${value}`, () => {
      expect(tokenNames(text)).toEqual([`NumberLiteral:${text}`]);
      expect(numberValue(text)).toBe(value);
      expect(lexCodes(text)).toEqual([]);
    });
  }

  const invalid = ["2G", "100kb", "1.2.3", "1.", "1e", "1e+", "3d_conv", "2m"];
  for (const text of invalid) {
    it(`reports \`${text}\` as one invalid number`, () => {
      expect(tokenNames(text)).toEqual([`NumberLiteral:${text}`]);
      expect(lexCodes(text)).toEqual([`HMD1005@0-${text.length}`]);
      expect(numberValue(text)).toBeNaN();
    });
  }

  it("reports an infinite number as too large", () => {
    const [problem] = lex(new Source("x 1e999", "t.hmdn")).diagnostics;
    expect(problem.code).toBe("HMD1005");
    expect(problem.message).toBe("number `1e999` is too large");
  });

  it("names the unknown suffix and the case rule", () => {
    const [problem] = lex(new Source("2m", "t.hmdn")).diagnostics;
    expect(problem.message).toBe("invalid number `2m`: unknown suffix `m`");
    expect(problem.help).toContain("case-sensitive");
  });
});

describe("lexer strings", () => {
  it("decodes every escape", () => {
    const decoded = decodeString('"a\\"b\\\\c\\nd\\te\\u00e9"', 0, "t.hmdn");
    expect(decoded.value).toBe('a"b\\c\nd\te\u00e9');
    expect(decoded.problems).toEqual([]);
  });

  it("reports a bad escape at its offset", () => {
    expect(lexCodes('x "ab\\qc"')).toEqual(["HMD1003@5-7"]);
  });

  it("reports a short unicode escape", () => {
    const [problem] = lex(new Source('"\\u12"', "t.hmdn")).diagnostics;
    expect(problem.code).toBe("HMD1003");
    expect(problem.span).toEqual({ start: 1, end: 5 });
    expect(problem.message).toBe(
      "invalid escape sequence `\\u12`: `\\u` needs four hexadecimal digits",
    );
  });

  it("reports an unterminated string at its opening quote", () => {
    expect(lexCodes('a "open\nb 1')).toEqual(["HMD1002@2-3"]);
    expect(tokenNames('a "open\nb 1')).toEqual([
      "Identifier:a",
      'UnterminatedString:"open',
      "Identifier:b",
      "NumberLiteral:1",
    ]);
  });

  it("treats an escaped quote at the line end as unterminated", () => {
    expect(lexCodes('a "x\\"')).toEqual(["HMD1002@2-3"]);
  });

  it("keeps non-ASCII text in strings", () => {
    const decoded = decodeString('"快手 ünï"', 0, "t.hmdn");
    expect(decoded.value).toBe("快手 ünï");
  });
});

describe("lexer comments and white space", () => {
  it("collects line and block comments apart from tokens", () => {
    const result = lex(new Source("a // one\n/* two */ b", "t.hmdn"));
    expect(result.tokens.map((token) => token.image)).toEqual(["a", "b"]);
    expect(result.comments.map((token) => token.image)).toEqual([
      "// one",
      "/* two */",
    ]);
  });

  it("closes a block comment at the first end marker", () => {
    const result = lex(new Source("/* a /* b */ c */", "t.hmdn"));
    expect(result.comments.map((token) => token.image)).toEqual([
      "/* a /* b */",
    ]);
    expect(result.tokens.map((token) => token.image)).toEqual(["c"]);
    expect(result.diagnostics.map((item) => item.code)).toEqual(["HMD1001"]);
  });

  it("reports an unterminated block comment at its start", () => {
    expect(lexCodes("a 1\n/* never closed\nb 2")).toEqual(["HMD1004@4-6"]);
  });

  it("skips tabs, CR, LF and a byte order mark", () => {
    expect(tokenNames("\ufeffa\t1\r\nb\r2\ufeff")).toEqual([
      "Identifier:a",
      "NumberLiteral:1",
      "Identifier:b",
      "NumberLiteral:2",
    ]);
  });

  it("reports a run of unexpected characters once", () => {
    const result = lex(new Source("a ### 1", "t.hmdn"));
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0].message).toBe("unexpected characters `###`");
    expect(result.diagnostics[0].span).toEqual({ start: 2, end: 5 });
  });

  it("reports a non-ASCII letter in a name", () => {
    const result = lex(new Source("café 1", "t.hmdn"));
    expect(result.diagnostics.map((item) => item.message)).toEqual([
      "unexpected character `é`",
    ]);
  });
});

describe("editor tokens", () => {
  it("cover every keyword with its own token", () => {
    const words = EDITOR_TOKENS.filter(
      (token) => token.kind === "keyword" || token.kind === "constant",
    ).map((token) => token.pattern);
    expect(words).toEqual([...KEYWORDS]);
  });

  it("have patterns that compile and match their examples", () => {
    const examples: Record<string, string> = {
      LineComment: "// note",
      BlockComment: "/* a\nb */",
      StringLiteral: '"a\\"b"',
      NumberLiteral: "-2.5e+4",
      Identifier: "group_id",
      LCurly: "{",
      Dot: ".",
    };
    for (const [name, example] of Object.entries(examples)) {
      const token = EDITOR_TOKENS.find((item) => item.name === name);
      expect(token, name).toBeDefined();
      const pattern = new RegExp(`^(?:${token?.pattern ?? ""})$`);
      expect(pattern.test(example), name).toBe(true);
    }
  });

  it("match only valid numbers", () => {
    const number = EDITOR_TOKENS.find((item) => item.name === "NumberLiteral");
    const pattern = new RegExp(`^(?:${number?.pattern ?? ""})$`);
    for (const valid of ["42", "-0.5", "1e-3", "100k", "2M"]) {
      expect(pattern.test(valid), valid).toBe(true);
    }
    for (const invalid of ["2G", "1.2.3", "1."]) {
      expect(pattern.test(invalid), invalid).toBe(false);
    }
  });
});
