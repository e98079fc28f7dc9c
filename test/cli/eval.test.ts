import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canImport, DEBIAN_PYTHON } from "../python.js";
import {
  makeWorkspace,
  readJsonFile,
  runCli,
  SLICE_ROWS,
  tinySpec,
} from "./train-fixture.js";

let workspace: string;
const run = () => path.join(workspace, "run");

/** Runs `hmdnc eval` of the trained run on the training slice. */
const evalSlice = (...flags: string[]) =>
  runCli([
    "eval",
    run(),
    "--data",
    path.join(workspace, "slice.csv"),
    ...flags,
  ]);

beforeAll(() => {
  workspace = makeWorkspace(tinySpec({ epochs: 1 }));
  const trained = runCli([
    "train",
    path.join(workspace, "tiny.hmdn"),
    "--out",
    run(),
    "--quiet",
  ]);
  if (trained.status !== 0) {
    throw new Error(`training failed:\n${trained.stderr}`);
  }
}, 180_000);

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

describe("hmdnc eval", () => {
  it("writes one prediction per row", () => {
    const predictions = path.join(workspace, "predictions.csv");
    const result = evalSlice("--predictions", predictions);
    expect(result.stderr).not.toContain("error");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `wrote ${SLICE_ROWS} predictions to ${predictions}`,
    );
    expect(result.stdout).toContain("metrics on every row of the file");

    const lines = fs.readFileSync(predictions, "utf8").trim().split("\n");
    expect(lines[0]).toBe("label,score,scenario,group");
    expect(lines).toHaveLength(SLICE_ROWS + 1);
    const [sourceHeader, ...sourceRows] = fs
      .readFileSync(path.join(workspace, "slice.csv"), "utf8")
      .trim()
      .split("\n");
    const userColumn = sourceHeader.split(",").indexOf("user_id");
    for (const [index, line] of lines.slice(1).entries()) {
      const [label, score, scenario, group] = line.split(",");
      const source = sourceRows[index].split(",");
      // File order is kept: is_click is column 0 and tab column 3.
      expect(label).toBe(source[0]);
      expect(scenario).toBe(source[3]);
      expect(Number(score)).toBeGreaterThan(0);
      expect(Number(score)).toBeLessThan(1);
      // The GAUC column of the spec is `gauc(by: user_id)`.
      expect(group).toBe(source[userColumn]);
    }

    const metrics = readJsonFile(path.join(run(), "eval-metrics.json"));
    expect(metrics.split).toBe("all");
    expect(metrics.rows).toBe(SLICE_ROWS);
    expect(metrics.irHash).toBe(
      readJsonFile(path.join(run(), "metrics.json")).irHash,
    );
  });

  it("maps unseen values to the OOV row and counts them", () => {
    const source = fs
      .readFileSync(path.join(workspace, "slice.csv"), "utf8")
      .trim()
      .split("\n");
    const header = source[0].split(",");
    const userColumn = header.indexOf("user_id");
    const durationColumn = header.indexOf("video_duration");
    const rows = source.slice(1, 101).map((line, index) => {
      const cells = line.split(",");
      cells[userColumn] = `unseen-${index}`;
      cells[durationColumn] = index < 10 ? "" : cells[durationColumn];
      return cells.join(",");
    });
    const file = path.join(workspace, "unseen.csv");
    fs.writeFileSync(file, `${[source[0], ...rows].join("\n")}\n`);
    const metricsFile = path.join(workspace, "unseen-metrics.json");

    const result = runCli([
      "eval",
      run(),
      "--data",
      file,
      "--metrics",
      metricsFile,
      "--quiet",
    ]);
    expect(result.status).toBe(0);
    const metrics = readJsonFile<{
      rows: number;
      features: Record<string, { oov: number; missing: number }>;
    }>(metricsFile);
    expect(metrics.rows).toBe(100);
    expect(metrics.features.user_id).toEqual({ oov: 100, missing: 0 });
    expect(metrics.features.video_duration.missing).toBeGreaterThanOrEqual(10);
    expect(result.stdout).toMatch(/user_id\s+100\s+0/);
  });

  it("rejects a directory that is not a run", () => {
    const result = runCli(["eval", workspace]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: ${workspace} is not a run directory: model.ir.json is missing\n`,
    );
  });
});

describe.skipIf(!canImport("sklearn"))(
  "hmdnc eval against scikit-learn",
  () => {
    it("matches roc_auc_score on predictions", () => {
      const predictions = path.join(workspace, "sklearn-predictions.csv");
      const metricsFile = path.join(workspace, "sklearn-metrics.json");
      const result = evalSlice(
        "--predictions",
        predictions,
        "--metrics",
        metricsFile,
        "--quiet",
      );
      expect(result.status).toBe(0);
      const script =
        "import csv,sys\nfrom sklearn.metrics import roc_auc_score\n" +
        "rows=list(csv.DictReader(open(sys.argv[1])))\n" +
        "print(repr(roc_auc_score([int(r['label']) for r in rows]," +
        "[float(r['score']) for r in rows])))";
      const sklearnAuc = Number(
        execFileSync(DEBIAN_PYTHON, ["-c", script, predictions], {
          encoding: "utf8",
        }).trim(),
      );
      const reported = readJsonFile(metricsFile).auc as number;
      expect(reported).toBeGreaterThan(0.5);
      expect(Math.abs(sklearnAuc - reported)).toBeLessThan(1e-6);
    });
  },
);
