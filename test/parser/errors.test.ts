import { describe, expect, it } from "vitest";
import { MAX_SYNTAX_ERRORS, parseSpec } from "../../src/parser/index.js";
import { diagnose, show } from "./helpers.js";

/** Input, then each expected diagnostic as code, `line:column`, message. */
type Case = [string, [string, string, string][]];

const cases: Case[] = [
  [
    "features kuairand {\n  group user {\n    categorical user_id",
    [
      [
        "HMD1102",
        "3:24",
        "expected `}` to close the block of `group user` opened at 2:14",
      ],
    ],
  ],
  [
    "model m {",
    [
      [
        "HMD1102",
        "1:10",
        "expected `}` to close the block of model `m` opened at 1:9",
      ],
    ],
  ],
  [
    "model m { a 1",
    [
      [
        "HMD1102",
        "1:14",
        "expected `}` to close the block of model `m` opened at 1:9",
      ],
    ],
  ],
  [
    "model m { a [1, 2",
    [["HMD1102", "1:18", "expected `]` to close the list opened at 1:13"]],
  ],
  [
    "model m { a f(x: 1",
    [
      [
        "HMD1102",
        "1:19",
        "expected `)` to close the arguments of `f` opened at 1:14",
      ],
    ],
  ],
  [
    "model m { a f(x: 1 }",
    [
      [
        "HMD1102",
        "1:20",
        "expected `)` to close the arguments of `f` opened at 1:14",
      ],
    ],
  ],
  [
    "model",
    [["HMD1101", "1:6", "expected a name for the model after `model`"]],
  ],
  [
    "model m",
    [["HMD1101", "1:8", "expected `{` to open the body of model `m`"]],
  ],
  [
    "model m extends",
    [
      [
        "HMD1101",
        "1:16",
        "expected the name of the base model after `extends`",
      ],
    ],
  ],
  [
    "model 5 { }",
    [["HMD1101", "1:7", "expected a name for the model after `model`"]],
  ],
  [
    'model "m" { }',
    [["HMD1101", "1:7", "expected a name for the model after `model`"]],
  ],
  [
    "model in { }",
    [["HMD1103", "1:7", "`in` is a reserved word and cannot name a model"]],
  ],
  [
    "model true { }",
    [["HMD1103", "1:7", "`true` is a reserved word and cannot name a model"]],
  ],
  [
    "model train { a 1 }",
    [["HMD1103", "1:7", "`train` is a reserved word and cannot name a model"]],
  ],
  [
    "features f { categorical group }",
    [
      [
        "HMD1103",
        "1:26",
        "`group` is a reserved word and cannot name a feature",
      ],
    ],
  ],
  [
    "features f { categorical a, group }",
    [
      [
        "HMD1103",
        "1:29",
        "`group` is a reserved word and cannot name a feature",
      ],
    ],
  ],
  [
    "model m { task model { label x } }",
    [["HMD1103", "1:16", "`model` is a reserved word and cannot name a task"]],
  ],
  [
    "model m { a [model] }",
    [["HMD1103", "1:14", "`model` is a reserved word and cannot be a value"]],
  ],
  [
    "model m { a }",
    [["HMD1104", "1:11", "expected a value or a block after `a`"]],
  ],
  [
    "model m { a 1, }",
    [["HMD1105", "1:14", "unexpected `,` after the last value of `a`"]],
  ],
  ["model m { a 1,, 2 }", [["HMD1101", "1:15", "expected a value after `,`"]]],
  [
    "model m { metrics auc logloss }",
    [["HMD1104", "1:23", "expected a value or a block after `logloss`"]],
  ],
  [
    "model m { a 1 2 }",
    [["HMD1101", "1:15", "unexpected number `2` in the block of model `m`"]],
  ],
  ["model m { a = 1 }", [["HMD1001", "1:13", "unexpected character `=`"]]],
  [
    "model m { o adam(lr = 1) }",
    [["HMD1001", "1:21", "unexpected character `=`"]],
  ],
  [
    "model a extends b extends c { }",
    [["HMD1101", "1:19", "expected `{` to open the body of model `a`"]],
  ],
  [
    "model m { a: 1 }",
    [["HMD1101", "1:12", "unexpected `:` in the block of model `m`"]],
  ],
  [
    'model m { import "x" }',
    [["HMD1101", "1:11", "unexpected `import` in the block of model `m`"]],
  ],
  [
    "experiment e { vary in [1] }",
    [["HMD1101", "1:21", "expected the path of a setting after `vary`"]],
  ],
  [
    "experiment e { vary a.b in }",
    [["HMD1101", "1:28", "expected a list of values after `in`"]],
  ],
  [
    "experiment e { vary a.b [1] }",
    [["HMD1101", "1:25", "expected `in` after the path of `vary`"]],
  ],
  [
    "experiment e { vary a. in [1] }",
    [["HMD1101", "1:24", "expected a name after `.`"]],
  ],
  [
    "import x",
    [["HMD1101", "1:8", "expected a file path string after `import`"]],
  ],
  [
    "import",
    [["HMD1101", "1:7", "expected a file path string after `import`"]],
  ],
  [
    'model m {} import "a.hmdn"',
    [["HMD1106", "1:12", "import of `a.hmdn` after a declaration"]],
  ],
  ["}", [["HMD1107", "1:1", "unmatched `}`"]]],
  ["model m { a 1 } }", [["HMD1107", "1:17", "unmatched `}`"]]],
  [
    "model m { a ( }",
    [["HMD1101", "1:13", "unexpected `(` in the block of model `m`"]],
  ],
  [
    "model m { a ] }",
    [["HMD1107", "1:13", "unmatched `]` in the block of model `m`"]],
  ],
  ["foo", [["HMD1101", "1:1", "expected a declaration, found `foo`"]]],
  [
    "dataste d {}",
    [["HMD1101", "1:1", "expected a declaration, found `dataste`"]],
  ],
  [
    "model m { a f(1,) }",
    [["HMD1105", "1:16", "unexpected `,` after the last argument of `f`"]],
  ],
  ["model m { a f(x:) }", [["HMD1101", "1:17", "expected a value after `x:`"]]],
  [
    "model m { a {",
    [
      [
        "HMD1102",
        "1:14",
        "expected `}` to close the block of `a` opened at 1:13",
      ],
    ],
  ],
  [
    "model m { a { b 1 }",
    [
      [
        "HMD1102",
        "1:20",
        "expected `}` to close the block of model `m` opened at 1:9",
      ],
    ],
  ],
  ["model m { a x. }", [["HMD1101", "1:16", "expected a name after `.`"]]],
  ["model m { a -x }", [["HMD1001", "1:13", "unexpected character `-`"]]],
  ["model m { a 'x' }", [["HMD1006", "1:13", "string `'x'` in single quotes"]]],
  [
    'model m { a "x\\q" }',
    [["HMD1003", "1:15", "invalid escape sequence `\\q` in a string"]],
  ],
  ['model m { a "open\n}', [["HMD1002", "1:13", "unterminated string"]]],
  [
    "model m { a 2G }",
    [["HMD1005", "1:13", "invalid number `2G`: unknown suffix `G`"]],
  ],
  ["/* open\nmodel m {}", [["HMD1004", "1:1", "unterminated block comment"]]],
  [
    "model m {\n  a 1\n  b [1,\n    2\n}\nmodel n { c 1 }",
    [["HMD1102", "5:1", "expected `]` to close the list opened at 3:5"]],
  ],
  [
    "model a {\n  x 1\n  train {\n    lr 2\n\nmodel b extends a {\n  y 2\n}\n",
    [
      [
        "HMD1102",
        "6:1",
        "expected `}` to close the block of `train` opened at 3:9 before this declaration",
      ],
    ],
  ],
  [
    "model m {\n  layers [256 128]\n}",
    [["HMD1101", "2:15", "unexpected number `128` in the list"]],
  ],
  [
    "model m { min-count 2 }",
    [["HMD1001", "1:14", "unexpected character `-` in the name `min-count`"]],
  ],
  [
    "model m { o adam(lr: 1 b: 2) }",
    [["HMD1101", "1:24", "unexpected `b` in the arguments of `adam`"]],
  ],
  [
    "model m { a 1 }\nmodel m2 extends a b { }",
    [["HMD1101", "2:20", "expected `{` to open the body of model `m2`"]],
  ],
  [
    "model m { hierarchy { levels 6 }",
    [
      [
        "HMD1102",
        "1:33",
        "expected `}` to close the block of model `m` opened at 1:9",
      ],
    ],
  ],
  [
    "model m {\n  train { a 1  batch  epochs 2  seed 1 }\n  evaluate { metrics auc }\n}",
    [["HMD1101", "2:30", "unexpected number `2` in the block of `train`"]],
  ],
  [
    "dataset d {\n  scenario tab { top 5 }\n  user_active_degree, fans_user_num_range\n  split random(seed: 2024, valid: 0.1)\n}",
    [
      [
        "HMD1101",
        "3:21",
        "unexpected `,` after `user_active_degree`, which has no value",
      ],
    ],
  ],
  [
    "model m {\n  { metrics auc }\n  seed 1\n}",
    [["HMD1101", "2:3", "expected a key before `{` in the block of model `m`"]],
  ],
  [
    "model m { levels 6 7 codebook 32 }\nmodel n { a 1 }",
    [["HMD1101", "1:20", "unexpected number `7` in the block of model `m`"]],
  ],
];

describe("syntax errors", () => {
  for (const [text, expected] of cases) {
    it(`reports ${JSON.stringify(text)}`, () => {
      const reported = diagnose(text).map((item) => [
        item.code,
        item.at,
        item.message,
      ]);
      expect(reported).toEqual(expected);
    });
  }
});

describe("cut-off input", () => {
  const text = "features kuairand {\n  group user {\n    categorical user_id";

  it("anchors the diagnostic just after the last token", () => {
    const result = parseSpec(text, "cut.hmdn");
    expect(result.diagnostics).toHaveLength(1);
    const [problem] = result.diagnostics;
    expect(problem.span).toEqual({ start: text.length, end: text.length });
    expect(result.source.lineColumn(problem.span.start)).toEqual({
      line: 3,
      column: 24,
    });
    expect(problem.labels?.[0].span).toEqual({ start: 33, end: 34 });
  });

  it("keeps the partial AST", () => {
    const result = parseSpec(text, "cut.hmdn");
    expect(show(result.ast)).toBe(
      "features kuairand{group(user){categorical(user_id)}}",
    );
    const group = result.ast.declarations[0].body.entries[0];
    expect(group.loc).toEqual({ start: 22, end: text.length });
  });

  it("returns promptly for every prefix of a spec", () => {
    const spec =
      'import "a.hmdn"\nmodel m extends n {\n  task click { label y  tower [64, 32] }\n  train { optimizer adam(lr: 1e-3) }\n}\nexperiment e { vary train.batch in [1k, 2k] }\n';
    const started = performance.now();
    for (let end = 0; end <= spec.length; end++) {
      const result = parseSpec(spec.slice(0, end), "prefix.hmdn");
      for (const item of result.diagnostics) {
        expect(Number.isInteger(item.span.start)).toBe(true);
        expect(Number.isInteger(item.span.end)).toBe(true);
        expect(item.span.end).toBeLessThanOrEqual(end);
      }
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("deep nesting", () => {
  const inputs: [string, string][] = [
    ["closed lists", `model m { a ${"[".repeat(5000)}${"]".repeat(5000)} }`],
    ["unclosed lists", `model m { a ${"[".repeat(100000)}`],
    ["unclosed blocks", `model m { ${"a { ".repeat(5000)}`],
    ["unclosed calls", `model m { a ${"f(".repeat(5000)}`],
  ];
  for (const [name, text] of inputs) {
    it(`stops ${name} at 64 levels`, () => {
      const result = parseSpec(text, "deep.hmdn");
      const codes = result.diagnostics.map((item) => item.code);
      expect(codes).toContain("HMD1108");
      const limit = result.diagnostics.find((item) => item.code === "HMD1108");
      // The 65th opener: `model m {` is the first level of the file.
      const openers = [...text.matchAll(/[[{(]/g)].map((match) => match.index);
      expect(limit?.span.start).toBe(openers[64]);
    });
  }

  it("accepts 64 levels", () => {
    const text = `model m { a ${"[".repeat(63)}${"]".repeat(63)} }`;
    expect(parseSpec(text, "deep.hmdn").diagnostics).toEqual([]);
  });
});

describe("error limit", () => {
  const lines = (line: string) =>
    `model m {\n${Array.from({ length: 150 }, () => line).join("\n")}\n}`;
  const inputs: [string, string][] = [
    ["lists without commas", lines("  tower [64 32]")],
    ["calls without colons", lines("  optimizer adam(lr 1)")],
    ["stray vary keywords", `experiment e { ${"vary ".repeat(50000)}}`],
  ];
  for (const [name, text] of inputs) {
    it(`stops ${name} quickly`, () => {
      const started = performance.now();
      const result = parseSpec(text, "many.hmdn");
      expect(performance.now() - started).toBeLessThan(3000);
      const codes = result.diagnostics.map((item) => item.code);
      expect(codes.at(-1)).toBe("HMD1109");
      expect(codes.length).toBeLessThanOrEqual(MAX_SYNTAX_ERRORS + 1);
    });
  }

  it("stops a CSV file after the lexical error limit", () => {
    const row =
      "1,s3,u12522,i1409,a1,b1,web,r6,11,c6,12.832,35.64,t3|t9,1,2,6\n";
    const result = parseSpec(row.repeat(20000), "data.csv");
    const lexical = result.diagnostics.filter(
      (item) => item.code === "HMD1001",
    );
    expect(lexical).toHaveLength(MAX_SYNTAX_ERRORS);
    const stop = result.diagnostics.at(-1);
    expect(stop?.code).toBe("HMD1109");
    expect(stop?.message).toBe(
      `stopped reading after ${MAX_SYNTAX_ERRORS} lexical errors`,
    );
    // The stop sits on the first error over the limit, on line 101.
    expect(result.source.lineColumn(stop!.span.start).line).toBe(101);
  });

  it("reports a run of stray commas once", () => {
    const started = performance.now();
    const result = parseSpec(`model m { a 1${",".repeat(50000)} }`, "t.hmdn");
    expect(performance.now() - started).toBeLessThan(3000);
    const messages = result.diagnostics.map((item) => item.message);
    expect(messages[0]).toBe("expected a value after `,`");
    expect(messages.length).toBeLessThanOrEqual(2);
  });

  it("keeps the AST before the stop", () => {
    const entries = Array.from({ length: 150 }, (_, i) => `e${i} [${i} ${i}]`);
    const result = parseSpec(`model m {\n${entries.join("\n")}\n}`, "t.hmdn");
    const body = result.ast.declarations[0]?.body.entries ?? [];
    expect(body.length).toBeGreaterThan(90);
    expect(body.length).toBeLessThan(150);
    const stop = result.diagnostics.at(-1);
    expect(stop?.code).toBe("HMD1109");
    const lastEntry = body.at(-1);
    expect(lastEntry?.loc.end).toBeLessThanOrEqual(stop?.span.start ?? 0);
  });
});

describe("recovery", () => {
  it("reports errors in several declarations of one file", () => {
    const text = "model a { x 1 2 }\nmodel b { y }\nmodel c { z [1 }";
    expect(diagnose(text).map((item) => `${item.code} ${item.at}`)).toEqual([
      "HMD1101 1:15",
      "HMD1104 2:11",
      "HMD1102 3:16",
    ]);
  });

  it("keeps the block after a broken one-line block", () => {
    const text =
      "model m {\n  train { a 1  batch  epochs 2  seed 1 }\n  evaluate { metrics auc }\n}";
    const result = parseSpec(text, "t.hmdn");
    expect(show(result.ast)).toBe(
      "model m{train(){a(1) batch(epochs)} evaluate(){metrics(auc)}}",
    );
  });

  it("resumes on the next line after a stray comma", () => {
    const text = "dataset d {\n  a_name, b_name\n  split random(seed: 1)\n}";
    const result = parseSpec(text, "t.hmdn");
    expect(show(result.ast)).toBe("dataset d{a_name() split(random(seed: 1))}");
  });

  it("keeps a call whose argument lacks a value", () => {
    const text = "model m {\n  evaluate { metrics gauc(by: ) }\n  seed 1\n}";
    const result = parseSpec(text, "t.hmdn");
    expect(show(result.ast)).toBe(
      "model m{evaluate(){metrics(gauc())} seed(1)}",
    );
    const evaluate = result.ast.declarations[0].body.entries[0];
    const metrics =
      evaluate.kind === "Entry" ? evaluate.block?.entries[0] : undefined;
    const call = metrics?.kind === "Entry" ? metrics.values[0] : undefined;
    expect(call && text.slice(call.loc.start, call.loc.end)).toBe("gauc(by: )");
  });

  it("keeps the declarations around an error", () => {
    const result = parseSpec(
      "model a { x 1 }\nmodel b { y ) }\nmodel c { z 3 }",
      "t.hmdn",
    );
    expect(result.ast.declarations.map((item) => item.name.name)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("never shows Chevrotain message text", () => {
    const text = "model m { a ( } ] model { x [ 1 2 } import 5 , : . vary";
    for (const item of parseSpec(text, "t.hmdn").diagnostics) {
      expect(item.message).not.toMatch(/Expecting|but found|-->|<--|\{"kind"/);
    }
  });
});

describe("the help of a stray `=`", () => {
  it("shows a named argument with `:` inside a call", () => {
    const [item] = parseSpec(
      "model m { o adam(lr = 1) }",
      "t.hmdn",
    ).diagnostics;
    expect(item.help).toBe(
      "a named argument is written `name: value`, as in `lr: 1`",
    );
  });

  it("shows an entry without `=` outside a call", () => {
    const [item] = parseSpec("model m { a = 1 }", "t.hmdn").diagnostics;
    expect(item.help).toBe("an entry is written `key value`, without `=`");
  });
});
