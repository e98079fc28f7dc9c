// `hmdnc check` and `hmdnc compile` on paths that are no spec files, run in
// process with stdout and stderr captured.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

import { command as check } from "../../src/cli/commands/check.js";
import { command as compile } from "../../src/cli/commands/compile.js";
import type { Command } from "../../src/cli/main.js";

async function run(target: Command, args: string[]) {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const status = await target.run(args);
  vi.restoreAllMocks();
  return { status, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe("paths that are no spec files", () => {
  it.each([
    [
      check,
      "check",
      "; `--data` takes no value here, it checks the CSV file each dataset names",
    ],
    [compile, "compile", ""],
  ] as const)("rejects a CSV file given to %s", async (target, name, more) => {
    const csv = path.join(
      mkdtempSync(path.join(tmpdir(), "hmdnc-csv-")),
      "rows.csv",
    );
    writeFileSync(csv, "a,b\n1,2\n");
    const result = await run(target, [csv]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: \`${csv}\` is a data file, not a spec: \`hmdnc ${name}\` reads .hmdn files${more}\n` +
        `help: run \`hmdnc ${name} --help\` for the options\n`,
    );
  });

  it("rejects a directory without .hmdn files", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-check-"));
    mkdirSync(path.join(dir, "empty"));
    const empty = path.join(dir, "empty");
    const result = await run(check, [empty]);
    expect(result).toEqual({
      status: 1,
      stdout: "",
      stderr: `error: directory \`${empty}\` contains no .hmdn files\nhelp: run \`hmdnc check --help\` for the options\n`,
    });
  });

  it("says that compile was given a directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-compile-"));
    writeFileSync(path.join(dir, "a.hmdn"), "");
    const result = await run(compile, [dir, "-o", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `error[HMD2001]: \`${dir}\` is a directory, not a spec file`,
    );
  });

  it("places a missing spec file at 1:1 in JSON", async () => {
    const result = await run(check, ["--format", "json", "no/such.hmdn"]);
    expect(result.status).toBe(1);
    const [item] = JSON.parse(result.stdout) as {
      start: object;
      end: object;
    }[];
    expect([item.start, item.end]).toEqual([
      { line: 1, column: 1, offset: 0 },
      { line: 1, column: 1, offset: 0 },
    ]);
  });
});
