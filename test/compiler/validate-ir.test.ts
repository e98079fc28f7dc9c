// IR handed in by a user is validated into HMD3xxx diagnostics.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import {
  compileModel,
  validateIrText,
  type ModelIr,
} from "../../src/compiler/index.js";

let ir: ModelIr;

beforeAll(async () => {
  const result = await compileModel(path.join("specs/kuairand/mmoe.hmdn"), {
    model: "hmdn_mmoe",
  });
  ir = result.ir!;
});

describe("validateIrText", () => {
  it("accepts IR written by the compiler", () => {
    const result = validateIrText(JSON.stringify(ir), "run.ir.json");
    expect(result.diagnostics).toEqual([]);
    expect(result.ir).toEqual(ir);
  });

  it("reports text that is not JSON", () => {
    const result = validateIrText("{ broken", "run.ir.json");
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((item) => item.code)).toEqual(["HMD3001"]);
  });

  it("reports another IR version", () => {
    const result = validateIrText(
      JSON.stringify({ ...ir, irVersion: 2 }),
      "run.ir.json",
    );
    expect(result.diagnostics.map((item) => item.message)).toEqual([
      "IR version 2 is not supported, expected 1",
    ]);
  });

  it("reports schema violations with their paths", () => {
    const broken = { ...ir, train: { ...ir.train, batchSize: "big" } };
    const result = validateIrText(JSON.stringify(broken), "run.ir.json");
    expect(result.diagnostics.map((item) => [item.code, item.message])).toEqual(
      [["HMD3002", "invalid IR at /train/batchSize: must be integer"]],
    );
  });

  it("reports references the schema cannot check", () => {
    const broken = {
      ...ir,
      groups: [...ir.groups, { name: "ghost", features: ["nobody"] }],
    };
    const result = validateIrText(JSON.stringify(broken), "run.ir.json");
    expect(result.diagnostics.map((item) => [item.code, item.message])).toEqual(
      [
        [
          "HMD3004",
          "group `ghost` names feature `nobody`, which is not declared",
        ],
      ],
    );
  });
});

describe("IR diagnostic spans", () => {
  it("point at the value of the failing path", () => {
    const broken = { ...ir, train: { ...ir.train, batchSize: "big" } };
    const text = JSON.stringify(broken, null, 2);
    const [item] = validateIrText(text, "run.ir.json").diagnostics;
    expect(text.slice(item.span.start, item.span.end)).toBe('"big"');
  });

  it("point at a broken reference", () => {
    const groups = [...ir.groups, { name: "ghost", features: ["x", "nobody"] }];
    const text = JSON.stringify({ ...ir, groups });
    const items = validateIrText(text, "run.ir.json").diagnostics;
    expect(
      items.map((item) => text.slice(item.span.start, item.span.end)),
    ).toEqual(['"x"', '"nobody"']);
  });

  it("point at the version", () => {
    const text = JSON.stringify({ ...ir, irVersion: 9 });
    const [item] = validateIrText(text, "run.ir.json").diagnostics;
    expect(text.slice(item.span.start, item.span.end)).toBe("9");
  });
});
