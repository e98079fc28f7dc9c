import { describe, expect, it } from "vitest";
import { diagnostic } from "../../src/diagnostics/codes.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import {
  diagnosticsToJson,
  renderDiagnostics,
  summarizeDiagnostics,
} from "../../src/diagnostics/render.js";
import { Source } from "../../src/diagnostics/span.js";

const text = [
  "features kuairand {",
  "  categorical user_age, tab",
  "}",
  "model ctr {",
  "  hierarchy {",
  "    explicit user_agee, tab",
  "  }",
  "}",
  "",
  "",
  "",
  "",
  "  last",
].join("\n");
const source = new Source(text, "specs/ctr.hmdn");
const sources = new Map([[source.path, source]]);

function spanOf(needle: string, from = 0): { start: number; end: number } {
  const start = text.indexOf(needle, from);
  return { start, end: start + needle.length };
}

function render(items: Diagnostic[]): string {
  return renderDiagnostics(items, sources, { color: false });
}

const unknownFeature = diagnostic("HMD1101", {
  file: source.path,
  span: spanOf("user_agee"),
  message: "unknown feature `user_agee` in hierarchy `explicit`",
  label: "not declared in features `kuairand`",
  help: "did you mean `user_age`?",
});

describe("renderDiagnostics", () => {
  it("draws header, position, gutter, caret, label and help", () => {
    expect(render([unknownFeature])).toBe(
      [
        "error[HMD1101]: unknown feature `user_agee` in hierarchy `explicit`",
        " --> specs/ctr.hmdn:6:14",
        "  |",
        "6 |     explicit user_agee, tab",
        "  |              ^^^^^^^^^ not declared in features `kuairand`",
        "  |",
        "  = help: did you mean `user_age`?",
        "",
        "1 error",
        "",
      ].join("\n"),
    );
  });

  it("draws secondary labels and widens the gutter for line 13", () => {
    const item = diagnostic("HMD1101", {
      file: source.path,
      span: spanOf("last"),
      message: "something at the end",
      labels: [
        { file: source.path, span: spanOf("user_age"), text: "declared here" },
      ],
      notes: ["features are declared once"],
    });
    expect(render([item])).toBe(
      [
        "error[HMD1101]: something at the end",
        "  --> specs/ctr.hmdn:13:3",
        "   |",
        " 2 |   categorical user_age, tab",
        "   |               -------- declared here",
        "...",
        "13 |   last",
        "   |   ^^^^",
        "   |",
        "   = note: features are declared once",
        "",
        "1 error",
        "",
      ].join("\n"),
    );
  });

  it("draws an empty span as one caret", () => {
    const item = diagnostic("HMD1102", {
      file: source.path,
      span: { start: text.length, end: text.length },
      message: "expected `}`",
    });
    expect(render([item]).split("\n").slice(3, 5)).toEqual([
      "13 |   last",
      "   |       ^",
    ]);
  });

  it("underlines a span over several lines to the end of its first line", () => {
    const start = text.indexOf("model");
    const item = diagnostic("HMD1101", {
      file: source.path,
      span: { start, end: text.indexOf("}", start + 20) },
      message: "whole model",
    });
    expect(render([item]).split("\n")[4]).toBe("  | ^^^^^^^^^^^");
  });

  it("expands tabs so carets line up", () => {
    const tabbed = new Source("a {\n\tlevels\t6 x\n}", "t.hmdn");
    const start = tabbed.text.indexOf("x");
    const item = diagnostic("HMD1101", {
      file: "t.hmdn",
      span: { start, end: start + 1 },
      message: "x",
    });
    const lines = renderDiagnostics([item], new Map([["t.hmdn", tabbed]]), {
      color: false,
    }).split("\n");
    expect(lines[3]).toBe("2 |     levels  6 x");
    expect(lines[4]).toBe("  |               ^");
  });

  it("escapes control characters, carets aligned", () => {
    const hostile = new Source('a {\n\tx "\u001b[2J" bad\u202e\n}', "t.hmdn");
    const start = hostile.text.indexOf("bad");
    const item = diagnostic("HMD1101", {
      file: "t.hmdn",
      span: { start, end: start + 4 },
      message: "unexpected `\u001b[2J`",
      label: "here\u0007",
      notes: ["note\r"],
      help: "help\u009b",
    });
    const output = renderDiagnostics([item], new Map([["t.hmdn", hostile]]), {
      color: false,
    });
    expect(output).not.toMatch(
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/,
    );
    const lines = output.split("\n");
    expect(lines[0]).toBe("error[HMD1101]: unexpected `\\x1b[2J`");
    expect(lines[3]).toBe('2 |     x "\\x1b[2J" bad\\u202e');
    expect(lines[4]).toBe("  |                 ^^^^^^^^^ here\\x07");
    expect(output).toContain("= note: note\\x0d\n");
    expect(output).toContain("= help: help\\x9b\n");
  });

  it("cuts lines longer than 120 characters around the span", () => {
    const long = `model m { ${"a 1 ".repeat(60)}bad 2 ${"b 2 ".repeat(30)}}`;
    const longSource = new Source(long, "long.hmdn");
    const start = long.indexOf("bad");
    const item = diagnostic("HMD1101", {
      file: "long.hmdn",
      span: { start, end: start + 3 },
      message: "bad",
    });
    const lines = renderDiagnostics(
      [item],
      new Map([["long.hmdn", longSource]]),
      {
        color: false,
      },
    ).split("\n");
    const sourceLine = lines[3].slice("1 | ".length);
    expect(sourceLine.length).toBeLessThanOrEqual(120);
    expect(sourceLine.startsWith("...")).toBe(true);
    expect(sourceLine.endsWith("...")).toBe(true);
    const caretColumn = lines[4].indexOf("^");
    expect(lines[3].slice(caretColumn, caretColumn + 3)).toBe("bad");
    expect(lines[4].slice(caretColumn)).toBe("^^^");
  });

  it("draws a label in another file under its own position", () => {
    const other = new Source("model base {}\n", "base.hmdn");
    const item = diagnostic("HMD1101", {
      file: source.path,
      span: spanOf("ctr"),
      message: "cycle",
      labels: [
        {
          file: "base.hmdn",
          span: { start: 6, end: 10 },
          text: "extended here",
        },
      ],
    });
    const output = renderDiagnostics(
      [item],
      new Map([
        [source.path, source],
        ["base.hmdn", other],
      ]),
      { color: false },
    );
    expect(output).toContain(" ::: base.hmdn:1:7\n");
    expect(output).toContain("  |       ---- extended here\n");
  });

  it("renders without source lines when the file is unknown", () => {
    const item = diagnostic("HMD1101", {
      file: "missing.hmdn",
      span: { start: 0, end: 1 },
      message: "gone",
      help: "look elsewhere",
    });
    expect(render([item])).toBe(
      "error[HMD1101]: gone\n --> missing.hmdn\n  = help: look elsewhere\n\n1 error\n",
    );
  });

  it("uses ANSI colors only when asked", () => {
    const colored = renderDiagnostics([unknownFeature], sources, {
      color: true,
    });
    expect(colored).toContain("\u001b[1;31merror[HMD1101]\u001b[0m");
    expect(render([unknownFeature])).not.toContain("\u001b[");
  });

  it("returns an empty string for no diagnostics", () => {
    expect(render([])).toBe("");
  });
});

describe("summarizeDiagnostics", () => {
  it("counts errors and warnings with plurals", () => {
    const warning = { ...unknownFeature, severity: "warning" as const };
    expect(
      summarizeDiagnostics([unknownFeature, unknownFeature, warning]),
    ).toBe("2 errors, 1 warning");
    expect(summarizeDiagnostics([warning])).toBe("1 warning");
    expect(summarizeDiagnostics([])).toBe("no problems");
  });
});

describe("diagnosticsToJson", () => {
  it("gives 1-based positions, offsets, labels and help", () => {
    const [json] = diagnosticsToJson([unknownFeature], sources);
    const span = spanOf("user_agee");
    expect(json).toEqual({
      code: "HMD1101",
      severity: "error",
      message: "unknown feature `user_agee` in hierarchy `explicit`",
      file: "specs/ctr.hmdn",
      start: { line: 6, column: 14, offset: span.start },
      end: { line: 6, column: 23, offset: span.end },
      label: "not declared in features `kuairand`",
      labels: [],
      notes: [],
      help: "did you mean `user_age`?",
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe("diagnostic", () => {
  it("takes the severity from the catalogue and drops absent parts", () => {
    const item = diagnostic("HMD1001", {
      file: "a.hmdn",
      span: { start: 0, end: 1 },
      message: "unexpected character `#`",
      labels: [],
    });
    expect(item).toEqual({
      code: "HMD1001",
      severity: "error",
      message: "unexpected character `#`",
      file: "a.hmdn",
      span: { start: 0, end: 1 },
    });
  });
});

describe("renderDiagnostics limit", () => {
  const many = (file: string, count: number) =>
    Array.from({ length: count }, (_, index) =>
      diagnostic("HMD1101", {
        file,
        span: spanOf("user_agee"),
        message: `problem ${index + 1}`,
      }),
    );

  it("draws 20 per file, then counts the rest", () => {
    const output = render([...many(source.path, 25), ...many("b.hmdn", 2)]);
    const headers = output
      .split("\n")
      .filter((line) => line.startsWith("error["));
    expect(headers.length).toBe(22);
    expect(headers[19]).toBe("error[HMD1101]: problem 20");
    expect(output).not.toContain("problem 21");
    expect(output).toContain(
      "\n... 5 more diagnostics in specs/ctr.hmdn not shown\n\n27 errors\n",
    );
  });

  it("takes the limit from the options", () => {
    const items = many(source.path, 3);
    const capped = renderDiagnostics(items, sources, {
      color: false,
      maxDiagnosticsPerFile: 1,
    });
    expect(capped).toContain("... 2 more diagnostics in specs/ctr.hmdn");
    const all = renderDiagnostics(items, sources, {
      color: false,
      maxDiagnosticsPerFile: Infinity,
    });
    expect(all).toContain("problem 3");
    expect(all).not.toContain("not shown");
  });
});
