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
let result: CliResult;
const out = () => path.join(workspace, "out");

beforeAll(() => {
  workspace = makeWorkspace();
  result = runCli([
    "compile",
    path.join(workspace, "tiny.hmdn"),
    "-o",
    out(),
    "--emit",
    "tfjs",
  ]);
}, 180_000);

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true });
});

describe("hmdnc compile --emit tfjs", () => {
  it("writes the IR, the vocabularies and a tfjs model", () => {
    expect(result.stderr).not.toContain("internal error");
    expect(result.status).toBe(0);
    const files = fs.readdirSync(out()).sort();
    expect(files).toEqual([
      "tiny_hmdn.ir.json",
      "tiny_hmdn.preprocessing.json",
      "tiny_hmdn.tfjs",
    ]);
    expect(fs.readdirSync(path.join(out(), "tiny_hmdn.tfjs")).sort()).toEqual([
      "group1-shard1of1.bin",
      "model.json",
    ]);
  });

  it("sizes the embedding tables from the training vocabularies", () => {
    const preprocessing = readJsonFile<{
      tableRows: Record<string, number>;
    }>(path.join(out(), "tiny_hmdn.preprocessing.json"));
    const model = readJsonFile<{
      weightsManifest: { weights: { name: string; shape: number[] }[] }[];
    }>(path.join(out(), "tiny_hmdn.tfjs", "model.json"));
    const weights = model.weightsManifest.flatMap((group) => group.weights);
    const userTable = weights.find((weight) => weight.name.includes("user_id"));
    expect(userTable).toBeDefined();
    expect(userTable?.shape).toEqual([preprocessing.tableRows.user_id, 8]);
  });

  it("reports a missing data file as a user error", () => {
    const missing = runCli([
      "compile",
      path.join(workspace, "tiny.hmdn"),
      "-o",
      path.join(workspace, "never"),
      "--emit",
      "tfjs",
      "--data",
      path.join(workspace, "absent.csv"),
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("error[HMD4001]");
    expect(missing.stderr).not.toContain("    at ");
    expect(fs.existsSync(path.join(workspace, "never"))).toBe(false);
  });

  it("rejects an output folder that is a file", () => {
    const file = path.join(workspace, "a-file");
    fs.writeFileSync(file, "");
    const failed = runCli([
      "compile",
      path.join(workspace, "tiny.hmdn"),
      "-o",
      file,
    ]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(
      `error: cannot use \`${file}\` as a directory`,
    );
    expect(failed.stderr).not.toContain("    at ");
  });
});
