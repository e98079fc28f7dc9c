import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

import { afterEach, describe, expect, it, vi } from "vitest";

import { command } from "../../src/cli/commands/synth.js";
import { tempFile } from "../data/fixtures.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  return { out, err };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hmdnc synth", () => {
  it("writes the requested rows", async () => {
    const path = join(dirname(tempFile("x", "")), "synth.csv");
    const { out } = capture();
    const code = await command.run([
      "--rows",
      "1k",
      "--seed",
      "4",
      "--out",
      path,
      "--users",
      "50",
    ]);
    expect(code).toBe(0);
    expect(readFileSync(path, "utf8").trimEnd().split("\n")).toHaveLength(1001);
    expect(out[0]).toMatch(new RegExp(`^wrote 1000 rows to ${path} in `));
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });

  it.each([
    [["--rows", "12x"], "`--rows` must be an integer, got `12x`"],
    [
      ["--rows", "5", "--segments", "xor"],
      "`--segments` must be votes or joint, got `xor`",
    ],
    [
      ["--rows", "5", "--users", "20M"],
      "`--users` must be at most 10000000, got 20000000",
    ],
    [
      ["--rows", "5", "--seed", "4294967297"],
      "`--seed` must be at most 2147483647, got 4294967297",
    ],
  ])("rejects %j with a diagnostic", async (args, message) => {
    const { err } = capture();
    const code = await command.run([...args, "--out", "/tmp/unused.csv"]);
    expect(code).toBe(1);
    expect(err.join("")).toBe(
      `error[HMD4014]: ${message}\n` +
        " --> hmdnc synth\n" +
        "  = help: run `hmdnc synth --help` for the options\n",
    );
  });

  it("reports a missing output directory", async () => {
    const { err } = capture();
    const code = await command.run([
      "--rows",
      "5",
      "--out",
      "/nonexistent-dir/x.csv",
    ]);
    expect(code).toBe(1);
    expect(err.join("")).toContain(
      "cannot write `/nonexistent-dir/x.csv`: the directory /nonexistent-dir does not exist",
    );
  });
});
