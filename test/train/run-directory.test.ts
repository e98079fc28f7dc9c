import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readRun, RunDirectoryError } from "../../src/runtime/train/run.js";

describe("readRun", () => {
  it("says a missing run directory does not exist", () => {
    const missing = path.join(os.tmpdir(), "hmdnc-no-such-run-dir");
    expect(() => readRun(missing)).toThrow(RunDirectoryError);
    expect(() => readRun(missing)).toThrow(
      `the run directory ${missing} does not exist`,
    );
  });

  it("says a file is not a run directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-run-"));
    try {
      const file = path.join(dir, "plain.txt");
      fs.writeFileSync(file, "x");
      expect(() => readRun(file)).toThrow(
        `${file} is a file, not a run directory`,
      );
      expect(() => readRun(dir)).toThrow("model.ir.json is missing");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
