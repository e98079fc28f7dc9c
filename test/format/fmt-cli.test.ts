import { spawnSync } from "node:child_process";
import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { command } from "../../src/cli/commands/fmt.js";

import { repositoryRoot } from "./spec-files.js";

const entry = path.join(repositoryRoot, "test/format/cli-entry.ts");
const FORMATTED = "model m {\n  a 1\n}\n";
const UNFORMATTED = "model m {a 1}\n\n\n";
const BROKEN = "model m {\n  a 1\n";

/** Runs `hmdnc ARGS` in a child process, through tsx on the sources. */
function spawnHmdnc(args: readonly string[]) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", entry, ...args],
    {
      cwd: repositoryRoot,
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

/**
 * Runs `hmdnc fmt ARGS` in this process, capturing its output; a child
 * process per case would cost a second each.
 */
async function hmdnc(args: readonly string[]) {
  const [name, ...rest] = args;
  expect(name).toBe("fmt");
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    const status = await command.run(rest);
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "hmdn-fmt-"));
  await writeFile(path.join(directory, "clean.hmdn"), FORMATTED);
  await writeFile(path.join(directory, "messy.hmdn"), UNFORMATTED, {
    mode: 0o640,
  });
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const read = (name: string) => readFile(path.join(directory, name), "utf8");

describe("hmdnc fmt", () => {
  it("lists unformatted files with --check", async () => {
    const result = await hmdnc(["fmt", "--check", directory]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      `would reformat ${path.join(directory, "messy.hmdn")}\n` +
        "1 of 2 files would be reformatted\n",
    );
    expect(await read("messy.hmdn")).toBe(UNFORMATTED);
  });

  it("formats files in place", async () => {
    const result = await hmdnc(["fmt", directory]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `formatted ${path.join(directory, "messy.hmdn")}\nformatted 1 of 2 files\n`,
    );
    expect(await read("messy.hmdn")).toBe("model m { a 1 }\n");
    expect(await read("clean.hmdn")).toBe(FORMATTED);
  });

  it("keeps the file mode and leaves no temp file", async () => {
    await hmdnc(["fmt", directory]);
    const mode = (await stat(path.join(directory, "messy.hmdn"))).mode & 0o777;
    expect(mode).toBe(0o640);
    expect((await readdir(directory)).sort()).toEqual([
      "clean.hmdn",
      "messy.hmdn",
    ]);
  });

  it("passes --check on formatted files", async () => {
    const result = await hmdnc([
      "fmt",
      "--check",
      path.join(directory, "clean.hmdn"),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("1 file already formatted\n");
  });

  it("keeps CRLF and the byte order mark", async () => {
    const file = path.join(directory, "windows.hmdn");
    const crlf = "\ufeff// head\r\nmodel m {\r\n  a 1\r\n}\r\n";
    await writeFile(file, crlf);
    const checked = await hmdnc(["fmt", "--check", file]);
    expect(checked.stdout).toBe("1 file already formatted\n");
    await writeFile(file, "\ufeffmodel m {a 1\r\n}\r\n");
    const result = await hmdnc(["fmt", file]);
    expect(result.status).toBe(0);
    expect(await readFile(file, "utf8")).toBe(
      "\ufeffmodel m {\r\n  a 1\r\n}\r\n",
    );
  });

  it("leaves a binary file untouched", async () => {
    const file = path.join(directory, "image.hmdn");
    const bytes = Buffer.from([0x6d, 0x6f, 0x00, 0xff, 0x0a]);
    await writeFile(file, bytes);
    const result = await hmdnc(["fmt", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "error[HMD1001]: the file is not a text file: NUL byte at byte 2",
    );
    expect(result.stderr).toContain(`error: ${file} is not a text file`);
    expect(await readFile(file)).toEqual(bytes);
  });

  it("leaves a file with syntax errors untouched", async () => {
    await writeFile(path.join(directory, "broken.hmdn"), BROKEN);
    const result = await hmdnc(["fmt", directory]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error\[HMD1\d{3}\]/);
    expect(result.stderr).toContain(
      "broken.hmdn has syntax errors; left unchanged",
    );
    expect(await read("broken.hmdn")).toBe(BROKEN);
    expect(await read("messy.hmdn")).toBe("model m { a 1 }\n");
    expect(result.stdout).toMatch(
      /formatted 1 of \d+ files?\n1 file could not be formatted\n$/,
    );
  });

  it("does not count a broken file as formatted under --check", async () => {
    const file = path.join(directory, "broken.hmdn");
    await writeFile(file, BROKEN);
    const result = await hmdnc(["fmt", "--check", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("1 file could not be formatted\n");
  });

  it("rejects a CSV file", async () => {
    const file = path.join(directory, "rows.csv");
    await writeFile(file, "a,b\n1,2\n");
    const result = await hmdnc(["fmt", file]);
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")[0]).toBe(
      `error: \`${file}\` is a data file, not a spec: \`hmdnc fmt\` reads .hmdn files`,
    );
  });

  it("rejects a missing path", async () => {
    const result = await hmdnc(["fmt", path.join(directory, "absent")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: \`${path.join(directory, "absent")}\` not found\n`,
    );
  });

  it("rejects a call without paths", async () => {
    const result = await hmdnc(["fmt"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "missing the files or directories to format",
    );
  });

  it("finds the shipped specs formatted", () => {
    // End to end, through the command-line entry in a child process.
    const result = spawnHmdnc(["fmt", "--check", "specs"]);
    expect(result.stdout).toMatch(/^\d+ files already formatted\n$/);
    expect(result.status).toBe(0);
  });
});

describe("prettier with the built plugin", () => {
  it("formats a file through the prettier command line", async () => {
    const prettier = path.join(
      repositoryRoot,
      "node_modules/prettier/bin/prettier.cjs",
    );
    const plugin = path.join(repositoryRoot, "dist/format/plugin.js");
    const result = spawnSync(
      process.execPath,
      [prettier, "--plugin", plugin, path.join(directory, "messy.hmdn")],
      // The repository's .prettierignore skips *.hmdn, so run outside it.
      { cwd: directory, encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("model m { a 1 }\n");
    expect(result.status).toBe(0);
  });
});
