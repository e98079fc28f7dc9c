import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  makeWorkspace,
  readJsonFile,
  runCli,
  startCli,
  tinySpec,
  withoutTiming,
  type CliResult,
} from "./train-fixture.js";

let workspace: string;
let first: CliResult;
const firstRun = () => path.join(workspace, "first");

beforeAll(() => {
  workspace = makeWorkspace();
  first = runCli([
    "train",
    path.join(workspace, "tiny.hmdn"),
    "--out",
    firstRun(),
  ]);
}, 180_000);

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

describe("hmdnc train", () => {
  it("prints the backend, the metrics and the per-scenario table", () => {
    expect(first.stderr).toContain("training on backend ");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`run directory: ${firstRun()}`);
    expect(first.stdout).toMatch(/AUC 0\.\d{4}  logloss 0\.\d{4}  GAUC /);
    expect(first.stdout).toMatch(/scenario\s+rows\s+positives\s+AUC\s+logloss/);
  });

  it("writes the run directory", () => {
    const names = fs.readdirSync(firstRun()).sort();
    expect(names).toEqual([
      "checkpoints",
      "final",
      "log.jsonl",
      "metrics.json",
      "model",
      "model.ir.json",
      "preprocessing.json",
      "run.json",
    ]);
    expect(fs.existsSync(path.join(firstRun(), "model/model.json"))).toBe(true);
    expect(fs.readdirSync(path.join(firstRun(), "checkpoints"))).toEqual([
      "ckpt-00000021",
      "ckpt-00000022",
    ]);
  });

  it("writes metrics.json with the stable keys", () => {
    const metrics = readJsonFile(path.join(firstRun(), "metrics.json"));
    expect(Object.keys(metrics).sort()).toEqual([
      "auc",
      "backend",
      "features",
      "gauc",
      "gaucGroupsSkipped",
      "irHash",
      "logloss",
      "positives",
      "rows",
      "samplesPerSecond",
      "scenarios",
      "seed",
      "split",
      "tasks",
    ]);
    expect(metrics.split).toBe("test");
    expect(metrics.seed).toBe(3);
    expect(metrics.irHash).toMatch(/^[0-9a-f]{64}$/);
    const scenarios = metrics.scenarios as Record<string, { rows: number }>;
    const rows = Object.values(scenarios).reduce((sum, s) => sum + s.rows, 0);
    expect(rows).toBe(metrics.rows);
    const tasks = metrics.tasks as Record<string, { auc: number }>;
    expect(tasks.click.auc).toBe(metrics.auc);
    const features = metrics.features as Record<string, object>;
    expect(features.user_id).toEqual({
      oov: expect.any(Number),
      missing: 0,
    });
  });

  it("logs one record per step and per epoch", () => {
    const records = fs
      .readFileSync(path.join(firstRun(), "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const steps = records.filter((r) => r.type === "step");
    expect(steps.map((r) => r.step)).toEqual(
      Array.from({ length: 22 }, (_, i) => i + 1),
    );
    expect(Object.keys(steps[0]).slice(0, 6)).toEqual([
      "type",
      "step",
      "epoch",
      "loss",
      "lr",
      "samplesPerSecond",
    ]);
    const epochs = records.filter((r) => r.type === "epoch");
    expect(epochs.map((r) => r.epoch)).toEqual([1, 2]);
    const quantizer = epochs[0].quantizer as Record<string, unknown>[];
    expect(quantizer.map((level) => level.level)).toEqual([1, 2]);
    expect(Object.keys(quantizer[0])).toEqual(
      expect.arrayContaining(["level", "usage", "perplexity", "deadCodes"]),
    );
  });

  it("gives identical metrics for the same seed", () => {
    const again = path.join(workspace, "again");
    const result = runCli([
      "train",
      path.join(workspace, "tiny.hmdn"),
      "--out",
      again,
      "--quiet",
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(
      withoutTiming(readJsonFile(path.join(again, "metrics.json"))),
    ).toEqual(
      withoutTiming(readJsonFile(path.join(firstRun(), "metrics.json"))),
    );
  });

  it(
    "resumes after SIGKILL to the same weights and metrics",
    {
      timeout: 180_000,
    },
    async () => {
      const killed = path.join(workspace, "killed");
      const child = startCli([
        "train",
        path.join(workspace, "tiny.hmdn"),
        "--out",
        killed,
      ]);
      await new Promise<void>((resolve) => {
        let seen = "";
        child.stderr.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          // Plain progress prints every 2nd step; step 6 has a checkpoint.
          if (seen.includes("step 8/22")) {
            child.kill("SIGKILL");
          }
        });
        child.on("exit", () => resolve());
      });
      expect(fs.existsSync(path.join(killed, "metrics.json"))).toBe(false);
      expect(
        fs.readdirSync(path.join(killed, "checkpoints")).length,
      ).toBeGreaterThan(0);

      const resumed = runCli(["train", "--resume", killed]);
      expect(resumed.stderr).toMatch(/resuming at step (6|9|12)/);
      expect(resumed.status).toBe(0);
      expect(
        withoutTiming(readJsonFile(path.join(killed, "metrics.json"))),
      ).toEqual(
        withoutTiming(readJsonFile(path.join(firstRun(), "metrics.json"))),
      );
      const finalState = (run: string) =>
        fs.readFileSync(path.join(run, "final/state.bin"));
      expect(finalState(killed).equals(finalState(firstRun()))).toBe(true);
      const steps = fs
        .readFileSync(path.join(killed, "log.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { type: string; step: number })
        .filter((record) => record.type === "step")
        .map((record) => record.step);
      expect(steps).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    },
  );

  it("stops on a non-finite loss with the step in the message", () => {
    const dir = makeWorkspace(tinySpec({ lr: "sgd(lr: 1e30)" }));
    try {
      const result = runCli([
        "train",
        path.join(dir, "tiny.hmdn"),
        "--out",
        path.join(dir, "run"),
      ]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /error: the training loss is (not finite|NaN|Infinity) at step \d+ \(epoch 1, batch \d+\); training stopped/,
      );
      expect(result.stderr).not.toContain("internal error");
      expect(fs.existsSync(path.join(dir, "run/metrics.json"))).toBe(false);

      const evaluated = runCli(["eval", path.join(dir, "run")]);
      expect(evaluated.status).toBe(1);
      expect(evaluated.stderr).toMatch(
        /has no final weights: the training loss is .* at step \d+.*resuming would diverge again, so lower the learning rate or set `grad_clip`/,
      );
      expect(evaluated.stderr).not.toContain("--resume");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an invalid flag value", () => {
    const result = runCli(["train", "x.hmdn", "--epochs", "zero"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error: invalid value for --epochs: `zero`; expected an integer of at least 1\n" +
        "help: run `hmdnc train --help` for the options\n",
    );
  });

  it("renders spec errors and exits with 1", () => {
    const spec = path.join(workspace, "broken.hmdn");
    fs.writeFileSync(
      spec,
      tinySpec().replace("epochs 2", "epochs 2\n    epocs 3"),
    );
    const result = runCli(["train", spec, "--out", path.join(workspace, "no")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("epocs");
    expect(result.stderr).toMatch(/^error/m);
    expect(fs.existsSync(path.join(workspace, "no"))).toBe(false);
  });

  it("rejects an --out directory with a run", () => {
    const result = runCli([
      "train",
      path.join(workspace, "tiny.hmdn"),
      "--out",
      firstRun(),
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `already contains a run; pass \`--resume ${firstRun()}\``,
    );
  });
  it("rejects an --out file before training", () => {
    const taken = path.join(workspace, "taken");
    fs.writeFileSync(taken, "x");
    const result = runCli([
      "train",
      path.join(workspace, "tiny.hmdn"),
      "--out",
      taken,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot use \`${taken}\` as a directory: it is a file\n`,
    );
  });

  it.runIf(fs.existsSync("/proc/self"))(
    "fails at once for an --out directory under /proc",
    () => {
      const result = runCli([
        "train",
        path.join(workspace, "tiny.hmdn"),
        "--out",
        "/proc/nope",
      ]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^error: cannot (create the directory|write into) `\/proc\/nope`: /,
      );
    },
  );

  it("checks eval's output paths before scoring", () => {
    const missing = path.join(workspace, "nonexistent", "p.csv");
    const bad = runCli(["eval", firstRun(), "--predictions", missing]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `error: cannot write \`${missing}\`: the directory ${path.dirname(missing)} does not exist\n`,
    );
    const asDirectory = runCli([
      "eval",
      firstRun(),
      "--metrics",
      `${workspace}/`,
    ]);
    expect(asDirectory.status).toBe(1);
    expect(asDirectory.stderr).toContain(
      "it names a directory; give a file name",
    );
  });
  it("rejects an eval file without data rows", () => {
    const header = path.join(workspace, "header_only.csv");
    const slice = fs.readFileSync(path.join(workspace, "slice.csv"), "utf8");
    fs.writeFileSync(header, `${slice.split("\n")[0]}\n`);
    const result = runCli(["eval", firstRun(), "--data", header, "--quiet"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("HMD4011");
    expect(result.stderr).toContain("the file has no good data rows to score");
    expect(result.stdout).toBe("");
  });
});
