// The shipped specs: they check cleanly, stay short, and cover every
// backbone plain and with HMDN.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import {
  backboneKinds,
  checkFiles,
  compileModel,
} from "../../src/compiler/index.js";
import type { Declaration } from "../../src/parser/ast.js";
import { parseSpec } from "../../src/parser/index.js";

const files = readdirSync("specs", { recursive: true })
  .map(String)
  .filter((name) => name.endsWith(".hmdn"))
  .map((name) => path.join("specs", name))
  .sort();

function declarations(file: string): {
  text: string;
  list: readonly Declaration[];
} {
  const text = readFileSync(file, "utf8");
  return { text, list: parseSpec(text, file).ast.declarations };
}

function lineCount(text: string): number {
  return text.replace(/\n$/, "").split("\n").length;
}

const sharedData = "../shared/data";

describe("specs", () => {
  it("check with no diagnostics", async () => {
    const result = await checkFiles(files);
    expect(
      result.diagnostics.map((item) => `${item.file}: ${item.message}`),
    ).toEqual([]);
  });

  it("keep model files within 40 lines", () => {
    const long = files.filter((file) => {
      const { text, list } = declarations(file);
      return (
        list.some((item) => item.keyword === "model") && lineCount(text) > 40
      );
    });
    expect(long).toEqual([]);
  });

  it("keep experiment files within 15 lines", () => {
    const long = files.filter((file) => {
      const { text, list } = declarations(file);
      return (
        list.some((item) => item.keyword === "experiment") &&
        lineCount(text) > 15
      );
    });
    expect(long).toEqual([]);
  });

  it("keep each HMDN variant within 5 lines of its baseline", () => {
    const variants: string[] = [];
    const long: string[] = [];
    for (const file of files) {
      const { text, list } = declarations(file);
      for (const item of list) {
        if (item.keyword !== "model" || !item.name.name.startsWith("hmdn_"))
          continue;
        if (item.extends === null) continue;
        variants.push(item.name.name);
        const lines = lineCount(text.slice(item.loc.start, item.loc.end));
        if (lines > 5)
          long.push(`${file}: ${item.name.name} has ${lines} lines`);
      }
    }
    expect(variants.length).toBeGreaterThanOrEqual(10);
    expect(long).toEqual([]);
  });

  it("cover every backbone plain and with HMDN on KuaiRand", async () => {
    const seen = new Set<string>();
    for (const file of files.filter(
      (name) =>
        name.startsWith("specs/kuairand/") && !name.includes("experiments"),
    )) {
      for (const item of declarations(file).list) {
        if (item.keyword !== "model") continue;
        const { ir } = await compileModel(file, { model: item.name.name });
        if (ir !== null)
          seen.add(
            `${ir.backbone.kind}:${ir.hierarchy === null ? "plain" : "hmdn"}`,
          );
      }
    }
    const expected = backboneKinds.flatMap((kind) => [
      `${kind}:plain`,
      `${kind}:hmdn`,
    ]);
    expect([...seen].sort()).toEqual(expected.sort());
  });

  it.skipIf(!existsSync(sharedData))(
    "match the headers of the shared data",
    async () => {
      // The synthetic specs read a file the user generates with `hmdnc
      // synth`, so a fresh clone has no data for them.
      const result = await checkFiles(
        files.filter((file) => !file.startsWith("specs/synthetic/")),
        { data: true },
      );
      expect(
        result.diagnostics.map((item) => `${item.file}: ${item.message}`),
      ).toEqual([]);
    },
  );
});
