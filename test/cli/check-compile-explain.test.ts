// End-to-end tests of `hmdnc compile` and `hmdnc explain`.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

import { schemaErrors } from "../../src/compiler/index.js";

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);
const entry = path.join(root, "test/cli/train-entry.ts");
// Resolved here so the child finds tsx from any working folder.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function hmdnc(args: readonly string[], cwd = root) {
  const result = spawnSync(
    process.execPath,
    ["--import", tsx, entry, ...args],
    {
      cwd,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

describe("hmdnc compile", () => {
  it("writes the IR and prints the block summary", () => {
    const out = mkdtempSync(path.join(tmpdir(), "hmdnc-compile-"));
    const result = hmdnc([
      "compile",
      "specs/kuairand/mmoe.hmdn",
      "--model",
      "hmdn_mmoe",
      "-o",
      out,
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const file = path.join(out, "hmdn_mmoe.ir.json");
    expect(readdirSync(out)).toEqual(["hmdn_mmoe.ir.json"]);
    const ir = JSON.parse(readFileSync(file, "utf8")) as { name: string };
    expect(ir.name).toBe("hmdn_mmoe");
    expect(schemaErrors(ir)).toEqual([]);
    expect(result.stdout).toContain("block");
    expect(result.stdout).toContain("FLOPs/sample");
    expect(result.stdout).toMatch(
      /quantizer D=6 K=32\s+\[B, 32\]\s+1,024\s+18,432/,
    );
    expect(result.stdout).toMatch(/4 experts\s+\[B, 128\]\s+546,304/);
    expect(result.stdout).toContain("rows(user_id) x 16");
    expect(result.stdout).toContain(`wrote ${file}`);
  });

  it("asks for --model when the file declares several", () => {
    const out = mkdtempSync(path.join(tmpdir(), "hmdnc-compile-"));
    const result = hmdnc(["compile", "specs/kuairand/mmoe.hmdn", "-o", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[HMD2031]");
    expect(result.stderr).toContain("`mmoe`, `hmdn_mmoe`");
    expect(readdirSync(out)).toEqual([]);
  });

  it("writes nothing when the spec has errors", () => {
    const out = path.join(
      mkdtempSync(path.join(tmpdir(), "hmdnc-compile-")),
      "ir",
    );
    const result = hmdnc([
      "compile",
      "test/fixtures/diagnostics/HMD2014-out-of-range.hmdn",
      "--model",
      "ranged",
      "-o",
      out,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[HMD2014]");
    expect(existsSync(out)).toBe(false);
  });

  it("prints the summary as JSON with --format json", () => {
    const out = mkdtempSync(path.join(tmpdir(), "hmdnc-compile-"));
    const result = hmdnc([
      "compile",
      "specs/kuairand/dnn.hmdn",
      "-o",
      out,
      "--format",
      "json",
    ]);
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      written: string[];
      summary: { block: string; output: (number | string)[] }[];
      diagnostics: unknown[];
    };
    expect(printed.written).toEqual([path.join(out, "hmdn_dnn.ir.json")]);
    expect(printed.diagnostics).toEqual([]);
    expect(
      printed.summary.find((row) => row.block === "shared bottom")?.output,
    ).toEqual(["B", 64]);
  });

  it("rejects an unknown --emit target", () => {
    const result = hmdnc([
      "compile",
      "specs/kuairand/dnn.hmdn",
      "--emit",
      "onnx",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("invalid value for --emit: `onnx`");
  });
});

describe("hmdnc explain", () => {
  it("prints the page of a code from any folder", () => {
    const result = hmdnc(["explain", "hmd2003"], tmpdir());
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      readFileSync("docs/diagnostics/HMD2003.md", "utf8"),
    );
  });

  it("suggests a code for an unknown one", () => {
    const result = hmdnc(["explain", "HMD2099"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: unknown diagnostic code `HMD2099`");
  });
});
