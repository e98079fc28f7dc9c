// `extends` and experiment variants merge as diffs over their parent.
import path from "node:path";
import { describe, expect, it } from "vitest";

import { compileExperiment, compileModel } from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

async function compile(text: string, model: string) {
  const dir = writeSpecs({ "spec.hmdn": `import "base.hmdn"\n${text}` });
  const result = await compileModel(path.join(dir, "spec.hmdn"), { model });
  expect(result.diagnostics).toEqual([]);
  return result.ir!;
}

describe("extends", () => {
  it("replaces a property and keeps the rest", async () => {
    const ir = await compile(
      `model m extends base { train { batch 64 } }`,
      "m",
    );
    expect(ir.train.batchSize).toBe(64);
    expect(ir.train.epochs).toBe(1);
    expect(ir.backbone).toMatchObject({ kind: "mmoe", experts: 2 });
  });

  it("merges a backbone of the same kind", async () => {
    const ir = await compile(
      `model m extends base { backbone mmoe { experts 6 } }`,
      "m",
    );
    expect(ir.backbone).toMatchObject({
      kind: "mmoe",
      experts: 6,
      expertLayers: [16],
    });
  });

  it("replaces a backbone of another kind", async () => {
    const ir = await compile(`model m extends base { backbone ple {} }`, "m");
    expect(ir.backbone).toMatchObject({
      kind: "ple",
      expertLayers: [256, 128],
    });
  });

  it("merges a named task with the parent's", async () => {
    const ir = await compile(
      `model m extends base { task click { weight 2 }  task watch { label long_view } }`,
      "m",
    );
    expect(
      ir.tasks.map((task) => [task.name, task.label, task.weight]),
    ).toEqual([
      ["click", "click", 2],
      ["watch", "long_view", 1],
    ]);
  });

  it("turns the hierarchy off", async () => {
    const ir = await compile(
      `model h extends base { hierarchy { levels 3 } }
       model m extends h { hierarchy off }`,
      "m",
    );
    expect(ir.hierarchy).toBeNull();
    expect(ir.backbone.hierarchyUse).toBe("off");
  });

  it("merges hierarchy settings across three levels", async () => {
    const ir = await compile(
      `model h extends base { hierarchy { levels 3  codebook 8 } }
       model m extends h { hierarchy { levels 4 } }`,
      "m",
    );
    expect(ir.hierarchy).toMatchObject({
      levels: 4,
      codebookSize: 8,
      codeDim: 32,
    });
    expect(ir.backbone.hierarchyUse).toBe("gates");
  });

  it("merges a feature into the parent's group", async () => {
    const ir = await compile(
      `features more extends tiny {
         group user { categorical user_id { min_count 5 } }
         group extra { multi tags }
       }
       model m extends base { features more }`,
      "m",
    );
    expect(ir.groups.map((group) => group.name)).toEqual([
      "user",
      "item",
      "extra",
    ]);
    const table = ir.tables.find((item) => item.name === "user_id");
    expect(table?.vocabulary).toEqual({
      kind: "vocabulary",
      minCount: 5,
      maxSize: null,
    });
  });

  it("reports an error in a merged entry in the child's file", async () => {
    const dir = writeSpecs({
      "child.hmdn": `import "base.hmdn"\nmodel m extends base { train { batch 0 } }`,
    });
    const result = await compileModel(path.join(dir, "child.hmdn"));
    expect(result.ir).toBeNull();
    expect(
      result.diagnostics.map((item) => [item.code, path.basename(item.file)]),
    ).toEqual([["HMD2014", "child.hmdn"]]);
  });

  it.each([
    ["train { epochs 2  epochs 3 }", "`epochs`"],
    ["hierarchy { levels 2  levels 3 }", "`levels`"],
    ["backbone mmoe { experts 2  experts 3 }", "`experts`"],
  ])("reports a duplicate key in a merged block: %s", async (body, key) => {
    const dir = writeSpecs({
      "child.hmdn": `import "base.hmdn"
model h extends base { hierarchy { levels 4 } }
model m extends h { ${body} }`,
    });
    const result = await compileModel(path.join(dir, "child.hmdn"), {
      model: "m",
    });
    expect(result.ir).toBeNull();
    expect(
      result.diagnostics.map((item) => [
        item.code,
        item.message.includes(key),
        path.basename(item.file),
      ]),
    ).toEqual([["HMD2012", true, "child.hmdn"]]);
  });
});

describe("experiments", () => {
  async function experiment(text: string) {
    const dir = writeSpecs({ "exp.hmdn": `import "base.hmdn"\n${text}` });
    const result = await compileExperiment(path.join(dir, "exp.hmdn"));
    return result;
  }

  it("crosses variants with every vary combination", async () => {
    const { ir, diagnostics } = await experiment(`
      experiment e {
        base base
        variant wide { backbone mmoe { experts 8 } }
        variant deep { backbone mmoe { expert_layers [32, 16] } }
        vary train.batch in [32, 64]
        vary task.click.weight in [1, 2]
        seeds [7, 9]
      }`);
    expect(diagnostics).toEqual([]);
    expect(ir!.variants.map((variant) => variant.name)).toEqual([
      "wide/train.batch=32,task.click.weight=1",
      "wide/train.batch=32,task.click.weight=2",
      "wide/train.batch=64,task.click.weight=1",
      "wide/train.batch=64,task.click.weight=2",
      "deep/train.batch=32,task.click.weight=1",
      "deep/train.batch=32,task.click.weight=2",
      "deep/train.batch=64,task.click.weight=1",
      "deep/train.batch=64,task.click.weight=2",
    ]);
    const last = ir!.variants[7];
    expect(last.settings).toEqual({
      "train.batch": 64,
      "task.click.weight": 2,
    });
    expect(last.model.backbone).toMatchObject({
      experts: 2,
      expertLayers: [32, 16],
    });
    expect(last.model.train.batchSize).toBe(64);
    expect(last.model.tasks[0].weight).toBe(2);
    expect(ir!.seeds).toEqual([7, 9]);
  });

  it("adds a hierarchy when a vary path needs one", async () => {
    const { ir } = await experiment(`
      experiment e { base base  vary hierarchy.levels in [1, 6]  seeds 2 }`);
    expect(
      ir!.variants.map((variant) => variant.model.hierarchy?.levels),
    ).toEqual([1, 6]);
    expect(ir!.seeds).toEqual([1, 2]);
  });

  it("checks vary values against the key's type", async () => {
    const { ir, diagnostics } = await experiment(`
      experiment e { base base  vary backbone.experts in [2, 0] }`);
    expect(ir).toBeNull();
    expect(diagnostics.map((item) => item.code)).toEqual(["HMD2014"]);
  });

  it("sweeps a call argument and keeps the others", async () => {
    const { ir, diagnostics } = await experiment(`
      model tuned extends base { train { optimizer adam(lr: 0.01, beta1: 0.8) } }
      experiment e { base tuned  vary train.optimizer.lr in [1e-3, 1e-2] }`);
    expect(diagnostics).toEqual([]);
    expect(
      ir!.variants.map((variant) => variant.model.train.optimizer),
    ).toEqual([
      { kind: "adam", lr: 1e-3, beta1: 0.8, beta2: 0.999, epsilon: 1e-8 },
      { kind: "adam", lr: 1e-2, beta1: 0.8, beta2: 0.999, epsilon: 1e-8 },
    ]);
    expect(ir!.variants[0].name).toBe("train.optimizer.lr=0.001");
  });

  it("reports an unknown call argument in a vary path", async () => {
    const { ir, diagnostics } = await experiment(`
      experiment e { base base  vary train.optimizer.rate in [1e-3] }`);
    expect(ir).toBeNull();
    expect(diagnostics.map((item) => [item.code, item.help])).toEqual([
      ["HMD2029", "expected one of `lr`, `beta1`, `beta2`, `epsilon`"],
    ]);
  });

  it("needs gauc in every model it reports gauc for", async () => {
    const { ir, diagnostics } = await experiment(`
      experiment e { base base  report auc, gauc(by: user_id) }`);
    expect(ir).toBeNull();
    expect(diagnostics.map((item) => item.code)).toEqual(["HMD2039"]);
  });

  it("compares whole models", async () => {
    const { ir } = await experiment(`
      model wide extends base { backbone mmoe { experts 8 } }
      experiment e { models base, wide  report auc }`);
    expect(
      ir!.variants.map((variant) => [variant.name, variant.model.name]),
    ).toEqual([
      ["base", "base"],
      ["wide", "wide"],
    ]);
    expect(ir!.report).toEqual({ metrics: ["auc"], perScenario: true });
  });
});
