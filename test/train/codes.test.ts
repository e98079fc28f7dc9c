import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../src/runtime/data/index.js";
import { homogeneity, nmi } from "../../src/runtime/metrics/index.js";
import { createNetwork } from "../../src/runtime/network.js";
import { writeSyntheticCsv } from "../../src/runtime/synth/index.js";
import { readStateDirectory } from "../../src/runtime/train/checkpoint.js";
import { codeAgreement } from "../../src/runtime/train/codes.js";
import { readRun } from "../../src/runtime/train/run.js";
import type { ModelIr } from "../../src/compiler/ir.js";
import { runCli } from "../cli/train-fixture.js";

const ROWS = 1200;

const spec = `
dataset synth {
  source "synth.csv"
  scenario scenario
  populations user_seg_a, user_seg_b
  split random(seed: 7, valid: 0.1, test: 0.1)
}
features synth {
  embedding 4
  group all {
    categorical user_seg_a, user_seg_b, device, scenario
    numeric item_price { normalize log1p }
  }
}
model tiny {
  dataset synth
  features synth
  hierarchy { levels 2  codebook 4  dim 4 }
  backbone mmoe { experts 2  expert_layers [8] }
  task click { label is_click  tower [4] }
  train { optimizer adam(lr: 1e-2)  batch 256  epochs 1  max_steps 3 }
  evaluate { metrics auc }
}
`;

let workspace: string;
const runDir = () => path.join(workspace, "run");
const dataFile = () => path.join(workspace, "synth.csv");

beforeAll(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-codes-"));
  await writeSyntheticCsv(dataFile(), { rows: ROWS, seed: 3 });
  fs.writeFileSync(path.join(workspace, "tiny.hmdn"), spec);
  const trained = runCli([
    "train",
    path.join(workspace, "tiny.hmdn"),
    "--out",
    runDir(),
    "--backend",
    "cpu",
    "--quiet",
  ]);
  if (trained.status !== 0) {
    throw new Error(`training failed:\n${trained.stderr}`);
  }
}, 60_000);

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

/** Recomputes every row's codes in file order with `assignCodes`. */
async function codesInFileOrder(): Promise<Int32Array> {
  const { ir, preprocessing } = readRun(runDir());
  const allRows: ModelIr = {
    ...ir,
    dataset: { ...ir.dataset, split: { kind: "ordered", valid: 0, test: 1 } },
  };
  const dataset = await openDataset(allRows, {
    dataPath: dataFile(),
    preprocessing,
  });
  const network = await createNetwork(ir, preprocessing, {
    backend: "cpu",
    seed: ir.train.seed,
    log: () => {},
    totalSteps: 1,
  });
  const codes: number[] = [];
  try {
    network.setState(readStateDirectory(path.join(runDir(), "final")));
    for await (const item of dataset.batches("test", { batchSize: 500 })) {
      const batchCodes = network.assignCodes(item.batch);
      if (batchCodes === null) throw new Error("no hierarchy");
      for (let i = 0; i < item.batch.size; i++) {
        if (item.batch.weights[i] > 0) {
          codes.push(batchCodes[2 * i], batchCodes[2 * i + 1]);
        }
      }
    }
  } finally {
    network.dispose();
  }
  return Int32Array.from(codes);
}

describe("code agreement", () => {
  it("scores a level's code and the code prefix separately", () => {
    // Level 1 splits {a} from {b, c}; level 2 then separates b from c.
    const codes = Int32Array.from([0, 5, 0, 5, 1, 5, 1, 6]);
    const labels = ["a", "a", "b", "c"];
    const agreement = codeAgreement("label", codes, 2, labels);
    expect(agreement.rows).toBe(4);
    expect(agreement.distinctValues).toBe(3);
    expect(agreement.levels[0].code).toBeCloseTo(nmi([0, 0, 1, 1], labels));
    expect(agreement.levels[1].code).toBeCloseTo(nmi([5, 5, 5, 6], labels));
    expect(agreement.levels[1].prefix).toBeCloseTo(1, 12);
    expect(agreement.levels[1].distinctCodes).toBe(2);
  });

  it("prints NMI and homogeneity per level", async () => {
    const result = runCli([
      "eval",
      runDir(),
      "--codes-against",
      "true_population,true_scenario_group",
      "--backend",
      "cpu",
      "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);

    const header = fs.readFileSync(dataFile(), "utf8").split("\n")[0];
    const columns = header.split(",");
    const rows = fs
      .readFileSync(dataFile(), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(","));
    const codes = await codesInFileOrder();
    expect(codes.length).toBe(2 * ROWS);
    const level1 = Array.from({ length: ROWS }, (_, i) => codes[2 * i]);
    const prefix2 = Array.from(
      { length: ROWS },
      (_, i) => `${codes[2 * i]}.${codes[2 * i + 1]}`,
    );
    for (const column of ["true_population", "true_scenario_group"]) {
      const labels = rows.map((row) => row[columns.indexOf(column)]);
      const section = result.stdout.split(`codes against ${column} `)[1];
      expect(section).toBeDefined();
      const lines = section.split("\n");
      expect(lines[0]).toBe(`(${new Set(labels).size} values, ${ROWS} rows)`);
      const l1 = lines[2].trim().split(/\s+/);
      const l2 = lines[3].trim().split(/\s+/);
      expect(l1[0]).toBe("L1");
      expect(l1[1]).toBe(nmi(level1, labels).toFixed(4));
      expect(l1[2]).toBe(nmi(level1, labels).toFixed(4));
      expect(l1[3]).toBe(homogeneity(level1, labels).toFixed(4));
      expect(l1[4]).toBe(String(new Set(level1).size));
      expect(l2[0]).toBe("L2");
      expect(l2[2]).toBe(nmi(prefix2, labels).toFixed(4));
    }
  });

  it("refuses a column the file lacks", () => {
    const result = runCli([
      "eval",
      runDir(),
      "--codes-against",
      "no_such_column",
      "--backend",
      "cpu",
      "--quiet",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `has no column "no_such_column" to compare codes against`,
    );
  });
});
