import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  makeWorkspace,
  readJsonFile,
  runCli,
  type CliResult,
} from "./train-fixture.js";

let workspace: string;
let first: CliResult;
const out = () => path.join(workspace, "depth");

beforeAll(() => {
  workspace = makeWorkspace();
  fs.writeFileSync(
    path.join(workspace, "depth.hmdn"),
    `import "tiny.hmdn"

experiment depth {
  base tiny_hmdn
  vary hierarchy.levels in [1, 2]
  seeds 2
}
`,
  );
  first = runCli([
    "run",
    path.join(workspace, "depth.hmdn"),
    "--out",
    out(),
    "--max-steps",
    "3",
    "--quiet",
  ]);
}, 180_000);

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

describe("hmdnc run", () => {
  it("trains every variant with every seed and prints the summary", () => {
    expect(first.stderr).not.toContain("error");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`experiment depth: 4 runs in ${out()}`);
    expect(first.stdout).toMatch(/^variant\s+seeds\s+AUC mean ± std/m);
    expect(first.stdout).toMatch(/^hierarchy\.levels=1\s+2\s+0\.\d{4} ± /m);
    expect(first.stdout).toMatch(/^hierarchy\.levels=2\s+2\s+/m);
    expect(fs.readdirSync(path.join(out(), "runs"))).toHaveLength(4);
  });

  it("writes results.csv with a row per run", () => {
    const lines = fs
      .readFileSync(path.join(out(), "results.csv"), "utf8")
      .trim()
      .split("\n");
    // The default report is `auc, logloss`, so there is no gauc column.
    expect(lines[0]).toMatch(
      /^variant,settings,seed,auc,logloss,auc_.*,status$/,
    );
    expect(lines).toHaveLength(5);
    expect(lines.slice(1).map((line) => line.split(",").slice(0, 3))).toEqual([
      ["hierarchy.levels=1", "hierarchy.levels=1", "1"],
      ["hierarchy.levels=1", "hierarchy.levels=1", "2"],
      ["hierarchy.levels=2", "hierarchy.levels=2", "1"],
      ["hierarchy.levels=2", "hierarchy.levels=2", "2"],
    ]);
    for (const line of lines.slice(1)) {
      expect(Number(line.split(",")[3])).toBeGreaterThan(0);
    }
  });

  it("writes results.json with the summary per variant", () => {
    const results = readJsonFile<{
      results: { seed: number; auc: number }[];
      summary: { variant: string; seeds: number; auc: { mean: number } }[];
    }>(path.join(out(), "results.json"));
    expect(results.results).toHaveLength(4);
    expect(results.summary.map((s) => [s.variant, s.seeds])).toEqual([
      ["hierarchy.levels=1", 2],
      ["hierarchy.levels=2", 2],
    ]);
    const mean = (results.results[0].auc + results.results[1].auc) / 2;
    expect(results.summary[0].auc.mean).toBeCloseTo(mean, 12);
  });

  it("draws the chart with a point per variant and scenario", () => {
    const svg = fs.readFileSync(path.join(out(), "chart.svg"), "utf8");
    expect(svg).toContain("depth: test AUC by variant");
    expect(svg).toContain(">hierarchy.levels=2</text>");
    expect(svg).toContain("Test AUC per scenario");
    expect(svg.match(/<circle /g)?.length ?? 0).toBeGreaterThan(2);
  });

  it("skips finished runs when run again", () => {
    const before = fs.readFileSync(path.join(out(), "results.csv"), "utf8");
    const again = runCli([
      "run",
      path.join(workspace, "depth.hmdn"),
      "--out",
      out(),
      "--max-steps",
      "3",
      "--quiet",
    ]);
    expect(again.status).toBe(0);
    expect(again.stderr.match(/finished before, skipped/g)).toHaveLength(4);
    expect(again.stderr).not.toContain("training");
    expect(fs.readFileSync(path.join(out(), "results.csv"), "utf8")).toBe(
      before,
    );
  });
  it("records a diverging variant and still summarises the others", () => {
    const spec = path.join(workspace, "boom.hmdn");
    fs.writeFileSync(
      spec,
      `import "tiny.hmdn"

experiment boom {
  base tiny_hmdn
  variant fine { train { epochs 1 } }
  variant boom { train { optimizer sgd(lr: 1e30) } }
  seeds 1
}
`,
    );
    const dir = path.join(workspace, "boom");
    const args = ["run", spec, "--out", dir, "--max-steps", "3", "--quiet"];
    const result = runCli(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: 1 of 2 runs failed: boom seed 1");
    expect(result.stderr).not.toContain("internal error");
    const csv = fs.readFileSync(path.join(dir, "results.csv"), "utf8");
    expect(
      csv
        .trim()
        .split("\n")
        .map((line) => line.split(",").at(-1)),
    ).toEqual(["status", "ok", "failed"]);
    expect(fs.existsSync(path.join(dir, "chart.svg"))).toBe(true);

    const again = runCli(args);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("fine seed 1: finished before, skipped");
    expect(again.stderr).toContain("resuming boom seed 1");
  });
});
