import { describe, expect, it } from "vitest";

import {
  fitPreprocessing,
  openDataset,
} from "../../src/runtime/data/dataset.js";
import {
  DataError,
  formatDataDiagnostic,
} from "../../src/runtime/data/errors.js";
import { categorical, model, numeric, tempFile } from "./fixtures.js";

async function diagnosticOf(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (error instanceof DataError) return error.diagnostic;
    throw error;
  }
  throw new Error("expected a DataError");
}

describe("data errors", () => {
  it("render like compiler diagnostics", () => {
    const error = new DataError({
      code: "HMD4005",
      message: 'invalid number "1O" in column `size` of numeric feature `size`',
      file: "data/x.csv",
      line: 12,
      column: 5,
      lineText: "0,x,1O,7",
      length: 2,
      help: "write a decimal number",
    });
    expect(formatDataDiagnostic(error.diagnostic)).toBe(
      'error[HMD4005]: invalid number "1O" in column `size` of numeric feature `size`\n' +
        "  --> data/x.csv:12:5\n" +
        "   |\n" +
        "12 | 0,x,1O,7\n" +
        "   |     ^^\n" +
        "   |\n" +
        "   = help: write a decimal number\n",
    );
  });

  it("escape control characters, caret aligned", () => {
    const error = new DataError({
      code: "HMD4005",
      message: 'invalid number "\u001b[2J" in column `size`',
      file: "data/x.csv",
      line: 3,
      column: 8,
      lineText: "0\t\u001b[2J\t\u001b[2J,7",
      length: 4,
    });
    expect(formatDataDiagnostic(error.diagnostic)).toBe(
      'error[HMD4005]: invalid number "\\x1b[2J" in column `size`\n' +
        " --> data/x.csv:3:8\n" +
        "  |\n" +
        "3 | 0\t\\x1b[2J\t\\x1b[2J,7\n" +
        "  |  \t       \t^^^^^^^\n",
    );
  });

  it("cut a long line around the error column", async () => {
    const bad = `0,${"a".repeat(210)},"open ${"b".repeat(300)}\n`;
    const path = tempFile("d.csv", `click,note,size\n0,x,1\n${bad}`);
    const diagnostic = await diagnosticOf(() =>
      openDataset(
        model({ path, features: [categorical("note"), numeric("size")] }),
      ),
    );
    expect(diagnostic).toMatchObject({ code: "HMD4002", line: 3, column: 214 });
    const [, , , text, caret] = formatDataDiagnostic(diagnostic).split("\n");
    const quoted = text.slice("3 | ".length);
    expect(quoted.startsWith("...")).toBe(true);
    expect(quoted.endsWith("...")).toBe(true);
    expect(quoted.length).toBeLessThanOrEqual(126);
    expect(caret.trimEnd().endsWith(" ^")).toBe(true);
    expect(text[caret.indexOf("^")]).toBe('"');
    expect(text.slice(caret.indexOf("^"), caret.indexOf("^") + 6)).toBe(
      '"open ',
    );
  });

  it("render without a line for file-level problems", () => {
    const error = new DataError({
      code: "HMD4010",
      message: "the data file is empty: expected a header row",
      file: "data/x.csv",
      line: 0,
      column: 0,
    });
    expect(formatDataDiagnostic(error.diagnostic)).toBe(
      "error[HMD4010]: the data file is empty: expected a header row\n" +
        " --> data/x.csv\n",
    );
  });

  it("quote the line of a bad field in a multi-line record", async () => {
    const path = tempFile("d.csv", 'click,note,size\n0,"x\n,y", 3\n');
    const diagnostic = await diagnosticOf(() =>
      openDataset(
        model({ path, features: [categorical("note"), numeric("size")] }),
      ),
    );
    expect(diagnostic).toMatchObject({
      code: "HMD4005",
      line: 3,
      column: 5,
      lineText: ',y", 3',
      length: 2,
    });
  });

  it("reject an empty file", async () => {
    const path = tempFile("d.csv", "\n\n");
    const diagnostic = await diagnosticOf(() =>
      fitPreprocessing(model({ path, features: [] })),
    );
    expect(diagnostic.code).toBe("HMD4010");
  });

  it("reject an empty training split", async () => {
    const path = tempFile("d.csv", "click,day\n1,d1\n0,d1\n");
    const diagnostic = await diagnosticOf(() =>
      fitPreprocessing(
        model({
          path,
          features: [categorical("day")],
          split: { kind: "column", column: "day", valid: [], test: ["d1"] },
        }),
      ),
    );
    expect(diagnostic.code).toBe("HMD4011");
    expect(diagnostic.message).toBe(
      "the training split is empty (2 data rows read: 0 skipped, 0 in validation, 2 in test)",
    );
  });

  it("reject a duplicate header name", async () => {
    const path = tempFile("d.csv", "click,a,a\n1,x,y\n");
    const diagnostic = await diagnosticOf(() =>
      fitPreprocessing(model({ path, features: [categorical("a")] })),
    );
    expect(diagnostic).toMatchObject({
      code: "HMD4009",
      line: 1,
      message: "duplicate column name `a` in the header (columns 2 and 3)",
    });
  });

  it("reject a preprocessing that lacks a table", async () => {
    const path = tempFile("d.csv", "click,a,b\n1,x,y\n");
    const fitted = await fitPreprocessing(
      model({ path, features: [categorical("a")] }),
    );
    const diagnostic = await diagnosticOf(() =>
      openDataset(
        model({ path, features: [categorical("a"), categorical("b")] }),
        {
          preprocessing: fitted,
        },
      ),
    );
    expect(diagnostic).toMatchObject({
      code: "HMD4013",
      message:
        "the preprocessing does not match the model: table `b` is missing",
    });
  });
});

describe("given preprocessing", () => {
  it("encodes another file with the saved vocabularies", async () => {
    const train = tempFile("train.csv", "click,a\n1,x\n0,y\n");
    const other = tempFile("other.csv", "click,a\n1,z\n0,x\n");
    const dataModel = model({ path: train, features: [categorical("a")] });
    const fitted = await fitPreprocessing(dataModel);
    const dataset = await openDataset(dataModel, {
      dataPath: other,
      preprocessing: fitted,
    });
    expect(dataset.preprocessing).toBe(fitted);
    const ids: number[] = [];
    for await (const { batch, meta } of dataset.batches("train", {
      batchSize: 4,
    })) {
      meta.lines.forEach((line, i) => (ids[line - 2] = batch.categorical.a[i]));
    }
    expect(ids).toEqual([1, 2]);
    expect(dataset.report().features.train?.a).toEqual({ missing: 0, oov: 1 });
  });

  it("maps scenarios outside the list to __other__", async () => {
    const train = tempFile(
      "train.csv",
      "click,tab,a\n1,t1,x\n1,t1,x\n0,t2,y\n",
    );
    const dataModel = model({
      path: train,
      features: [categorical("a")],
      scenario: { column: "tab", top: 1, minRows: 1 },
    });
    const fitted = await fitPreprocessing(dataModel);
    expect(fitted.scenarios).toEqual(["t1", "__other__"]);

    const other = tempFile("other.csv", "click,tab,a\n1,t9,x\n1,t1,x\n0,,y\n");
    const dataset = await openDataset(dataModel, {
      dataPath: other,
      preprocessing: fitted,
      mode: "stream",
    });
    const scenarios: number[] = [];
    const raw: string[] = [];
    for await (const { batch, meta } of dataset.batches("valid", {
      batchSize: 4,
    })) {
      scenarios.push(...batch.scenario);
      raw.push(...meta.scenarioValues);
    }
    expect(scenarios).toEqual([]);

    for await (const { batch, meta } of dataset.batches("train", {
      batchSize: 4,
    })) {
      meta.lines.forEach((line, i) => {
        scenarios[line - 2] = batch.scenario[i];
        raw[line - 2] = meta.scenarioValues[i];
      });
    }

    expect(scenarios).toEqual([1, 0, 1]);
    expect(raw).toEqual(["t9", "t1", ""]);
  });
});
