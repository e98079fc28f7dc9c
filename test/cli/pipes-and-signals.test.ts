// The installed entry point (bin/hmdnc.js, which runs the compiled CLI in
// dist/) when its output pipes close early or a signal stops it: the work
// finishes or leaves nothing behind, and no stack trace is printed.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = path.join(root, "bin/hmdnc.js");

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with the exit code and whatever stderr printed (when still open). */
function finish(
  child: ChildProcess,
): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, stderr })),
  );
}

const scratch = () => mkdtempSync(path.join(tmpdir(), "hmdnc-pipes-"));

describe("hmdnc with closed pipes and signals", () => {
  it("finishes synth when stdout closes", async () => {
    const out = path.join(scratch(), "piped.csv");
    const child = start([
      "synth",
      "--rows",
      "20k",
      "--users",
      "50",
      "--out",
      out,
    ]);
    // Like `| head -0`: the read end closes before the summary is printed.
    child.stdout?.destroy();
    const { code, stderr } = await finish(child);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8").trimEnd().split("\n")).toHaveLength(20001);
  });

  it("finishes training when stderr closes", async () => {
    const out = path.join(scratch(), "run");
    const child = start([
      "train",
      "specs/kuairand/mmoe.hmdn",
      "--model",
      "mmoe",
      "--max-steps",
      "5",
      "--out",
      out,
    ]);
    // Training reports its progress on stderr, as `2>&1 | head -1` would see it.
    child.stderr?.destroy();
    const { code } = await finish(child);
    expect(code).toBe(0);
    const metrics = JSON.parse(
      readFileSync(path.join(out, "metrics.json"), "utf8"),
    );
    expect(metrics.rows).toBeGreaterThan(0);
  }, 60_000);

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "leaves no file behind when %s stops synth",
    async (signal, exit) => {
      const dir = scratch();
      const out = path.join(dir, "big.csv");
      const child = start(["synth", "--rows", "50M", "--out", out]);
      const done = finish(child);
      // Wait until the temp file exists, so the signal lands mid-write.
      while (
        !readdirSync(dir).some((name) => name.startsWith("big.csv.tmp-"))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill(signal);
      const { code, stderr } = await done;
      expect(code).toBe(exit);
      expect(stderr).toBe(`interrupted; ${out} was not written\n`);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    },
    60_000,
  );
});
