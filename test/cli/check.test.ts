// End-to-end tests of `hmdnc check`, run from the TypeScript sources in a
// child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);
const entry = path.join(root, "test/cli/train-entry.ts");

/** Runs `hmdnc ARGS` with extra node flags before the entry point. */
export function hmdnc(
  args: readonly string[],
  nodeFlags: readonly string[] = [],
) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", ...nodeFlags, entry, ...args],
    {
      cwd: root,
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

describe("hmdnc check", () => {
  it("passes every shipped spec", () => {
    const result = hmdnc(["check", "specs"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^checked \d+ files: no problems\n$/);
    expect(result.status).toBe(0);
  });

  it("reports a misspelled feature with position, caret and suggestion", () => {
    const result = hmdnc([
      "check",
      "test/fixtures/diagnostics/HMD2003-unknown-feature.hmdn",
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[HMD2003]: unknown feature `gendr`");
    expect(result.stderr).toContain(
      "--> test/fixtures/diagnostics/HMD2003-unknown-feature.hmdn:7:14",
    );
    expect(result.stderr).toContain(
      "^^^^^ not a grouped feature of this model",
    );
    expect(result.stderr).toContain("= help: did you mean `gender`?");
  });

  it("prints JSON diagnostics with --format json", () => {
    const result = hmdnc([
      "check",
      "--format",
      "json",
      "test/fixtures/diagnostics/HMD2010-unknown-key.hmdn",
    ]);
    expect(result.status).toBe(1);
    const diagnostics = JSON.parse(result.stdout) as {
      code: string;
      start: { line: number; column: number };
    }[];
    expect(diagnostics.map((item) => item.code)).toEqual(["HMD2010"]);
    expect(diagnostics[0].start).toMatchObject({ line: 5, column: 5 });
  });

  it("requires readable CSV files with --data", () => {
    const file = "test/fixtures/diagnostics/HMD2033-csv-unreadable.hmdn";
    expect(hmdnc(["check", file]).status).toBe(0);
    const result = hmdnc(["check", "--data", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error[HMD2033]");
  });

  it("rejects an unknown flag with a pointer to the help", () => {
    const result = hmdnc(["check", "--strict", "specs"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: unknown option `--strict`");
    expect(result.stderr).toContain("help: run `hmdnc check --help`");
  });

  it("rejects a missing spec argument", () => {
    const result = hmdnc(["check"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: no spec files given");
  });

  it("prints its help", () => {
    const result = hmdnc(["check", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("usage: hmdnc check <spec|dir>...");
  });

  it("never loads TensorFlow.js", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-check-"));
    const hooks = path.join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      "export async function resolve(specifier, context, next) {\n" +
        '  if (specifier.includes("@tensorflow")) {\n' +
        "    throw new Error(`check loaded ${specifier}`);\n" +
        "  }\n" +
        "  return next(specifier, context);\n" +
        "}\n",
    );
    const register = path.join(dir, "register.mjs");
    writeFileSync(
      register,
      `import { register } from "node:module";\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`,
    );
    const result = hmdnc(["check", "specs"], ["--import", register]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // The hook itself works: a command that needs TensorFlow.js fails under it.
    const control = hmdnc(["train", "--help"], ["--import", register]);
    expect(control.status).toBe(2);
    expect(control.stderr).toContain("check loaded @tensorflow/tfjs");
  });
});
