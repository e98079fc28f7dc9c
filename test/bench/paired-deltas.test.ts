// bench/paired-deltas.py on a small results.json: the paired mean, spread
// and wins, and a plain error for a pair that names no variant.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canImport, DEBIAN_PYTHON } from "../python.js";

const script = fileURLToPath(
  new URL("../../bench/paired-deltas.py", import.meta.url),
);

function resultsFile(): string {
  const aucs: Record<string, number[]> = {
    base: [0.7, 0.71, 0.72],
    hmdn_base: [0.71, 0.71, 0.74],
  };
  const results = Object.entries(aucs).flatMap(([variant, values]) =>
    values.map((auc, i) => ({
      variant,
      seed: i + 1,
      auc,
      status: "ok",
      scenarios: { s0: auc - 0.01 },
    })),
  );
  const file = path.join(
    mkdtempSync(path.join(tmpdir(), "hmdnc-pd-")),
    "r.json",
  );
  writeFileSync(file, JSON.stringify({ results }));
  return file;
}

function run(args: string[]) {
  const child = spawnSync(DEBIAN_PYTHON, [script, ...args], {
    encoding: "utf8",
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe.skipIf(!canImport("json"))("paired-deltas.py", () => {
  it("pairs variants by seed", () => {
    const file = resultsFile();
    // Differences 0.01, 0.00, 0.02: mean 0.01, std 0.01, 2 of 3 higher.
    for (const args of [[file], [file, "--pair", "hmdn_base=base"]]) {
      const result = run(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(
        /hmdn_base - base\s+3\s+0\.7100 ± 0\.0100\s+\+0\.0100 ± 0\.0100\s+2\/3/,
      );
      expect(result.stdout).toContain("per scenario: s0 +0.0100");
    }
  });

  it("rejects a pair naming no variant", () => {
    const result = run([resultsFile(), "--pair", "hmdn_base=nosuch"]);
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")[0]).toBe(
      "error: no variant 'nosuch' in the results; they are base, hmdn_base",
    );
  });
});
