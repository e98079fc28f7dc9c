// Program loading: imports relative to the importing file, each file read
// once, and spec text served by a caller instead of the disk.
import { readFile } from "node:fs/promises";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import {
  checkFiles,
  compileExperiment,
  compileModel,
} from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

describe("loadProgram", () => {
  it("resolves imports relative to the importing file", async () => {
    const dir = writeSpecs({});
    mkdirSync(path.join(dir, "nested"));
    writeFileSync(
      path.join(dir, "nested", "model.hmdn"),
      'import "../base.hmdn"\nmodel m extends base {}\n',
    );
    const result = await compileModel(path.join(dir, "nested", "model.hmdn"));
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.dataset.source.path).toBe(path.join(dir, "tiny.csv"));
  });

  it("resolves an absolute import path", async () => {
    const dir = writeSpecs({});
    const other = writeSpecs({
      "model.hmdn": `import ${JSON.stringify(path.join(dir, "base.hmdn"))}\nmodel m extends base {}\n`,
    });
    const result = await compileModel(path.join(other, "model.hmdn"));
    expect(result.diagnostics).toEqual([]);
    expect(result.ir?.dataset.source.path).toBe(path.join(dir, "tiny.csv"));
  });

  it("names a missing absolute import as written", async () => {
    const dir = writeSpecs({ "model.hmdn": 'import "/no/such/base.hmdn"\n' });
    const result = await checkFiles([path.join(dir, "model.hmdn")]);
    expect(
      result.diagnostics.map((item) => [item.code, item.message, item.notes]),
    ).toEqual([
      ["HMD2001", "imported file `/no/such/base.hmdn` not found", undefined],
    ]);
  });

  it("checks the declarations of imported files, each diagnostic once", async () => {
    const dir = writeSpecs({
      "lib.hmdn":
        'import "base.hmdn"\nmodel bad extends base { task click { label clicked } }\n',
      "top.hmdn": 'import "lib.hmdn"\n',
    });
    const files = [path.join(dir, "top.hmdn"), path.join(dir, "lib.hmdn")];
    for (const roots of [files.slice(0, 1), files]) {
      const result = await checkFiles(roots, { data: true });
      expect(
        result.diagnostics.map((item) => [item.code, path.basename(item.file)]),
      ).toEqual([["HMD2022", "lib.hmdn"]]);
    }
  });

  it("reads a file imported twice once", async () => {
    const dir = writeSpecs({
      "a.hmdn": 'import "base.hmdn"\nmodel a extends base {}\n',
      "b.hmdn": 'import "base.hmdn"\nmodel b extends base {}\n',
      "top.hmdn": 'import "a.hmdn"\nimport "b.hmdn"\n',
    });
    const reads: string[] = [];
    const readText = (file: string) => {
      reads.push(path.basename(file));
      return readFile(file, "utf8");
    };
    const result = await checkFiles([path.join(dir, "top.hmdn")], { readText });
    expect(result.diagnostics).toEqual([]);
    expect(reads.sort()).toEqual(["a.hmdn", "b.hmdn", "base.hmdn", "top.hmdn"]);
  });

  it("compiles text served by readText", async () => {
    const dir = writeSpecs({ "m.hmdn": "" });
    const unsaved =
      'import "base.hmdn"\nmodel m extends base { train { batch 7 } }\n';
    const file = path.join(dir, "m.hmdn");
    const result = await compileModel(file, {
      readText: (name) =>
        name === file ? Promise.resolve(unsaved) : readFile(name, "utf8"),
    });
    expect(result.ir?.train.batchSize).toBe(7);
  });

  it("reports a spec file that does not exist", async () => {
    const result = await compileModel("no/such/spec.hmdn");
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((item) => [item.code, item.message])).toEqual(
      [["HMD2001", "spec file `no/such/spec.hmdn` not found"]],
    );
  });
});

describe("compileModel", () => {
  it("reads another CSV with dataOverride", async () => {
    const dir = writeSpecs({
      "m.hmdn": 'import "base.hmdn"\nmodel m extends base {}\n',
    });
    const other = path.join(dir, "other.csv");
    writeFileSync(other, "click,tab,user_id\n1,a,u1\n");
    const result = await compileModel(path.join(dir, "m.hmdn"), {
      dataOverride: other,
    });
    expect(result.ir).toBeNull();
    const missing = result.diagnostics.map((item) => item.message);
    expect(missing).toContain(
      "column `item_id` of feature `item_id` is not in the header of `other.csv`",
    );
  });

  it("maps IR ids to the spec text", async () => {
    const dir = writeSpecs({
      "m.hmdn": 'import "base.hmdn"\nmodel m extends base {}\n',
    });
    const result = await compileModel(path.join(dir, "m.hmdn"));
    const span = result.spans["feature.user_id"];
    const text = result.sources.get(span.file)!.text;
    expect(text.slice(span.start, span.end)).toBe("user_id");
    expect(Object.keys(result.spans)).toEqual(
      expect.arrayContaining([
        "model",
        "dataset",
        "backbone",
        "task.click",
        "table.item_id",
      ]),
    );
  });
});

describe("compileExperiment", () => {
  it("checks every run's columns against the CSV header", async () => {
    const dir = writeSpecs({
      "e.hmdn":
        'import "base.hmdn"\n' +
        "model odd extends base { task watch { label watched } }\n" +
        "experiment e { models base, odd }\n",
    });
    const result = await compileExperiment(path.join(dir, "e.hmdn"));
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((item) => item.message)).toEqual([
      "column `watched` of task `watch` is not in the header of `tiny.csv`",
    ]);
  });
});
