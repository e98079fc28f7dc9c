import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  OutputPathError,
  prepareOutputDirectory,
  prepareOutputFile,
} from "../../src/cli/output-path.js";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-out-"));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function message(action: () => void): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(OutputPathError);
    return (error as Error).message;
  }
  throw new Error("expected an OutputPathError");
}

describe("prepareOutputDirectory", () => {
  it("creates missing parents and leaves no probe file", () => {
    const target = path.join(dir, "a", "b", "c");
    prepareOutputDirectory(target);
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it("rejects an existing file", () => {
    const file = path.join(dir, "taken");
    fs.writeFileSync(file, "x");
    expect(message(() => prepareOutputDirectory(file))).toBe(
      `cannot use \`${file}\` as a directory: it is a file`,
    );
  });

  it("rejects a path below a file", () => {
    const file = path.join(dir, "taken");
    fs.writeFileSync(file, "x");
    expect(
      message(() => prepareOutputDirectory(path.join(file, "run"))),
    ).toMatch(/as a directory: .*taken is a file$/);
  });

  it.runIf(fs.existsSync("/proc/self"))(
    "fails at once under /proc instead of looping",
    () => {
      const started = Date.now();
      expect(
        message(() => prepareOutputDirectory("/proc/nope/deeper")),
      ).toMatch(
        /^cannot (create the directory|write into) `\/proc\/nope\/deeper`: /,
      );
      expect(Date.now() - started).toBeLessThan(1000);
    },
  );
});

describe("prepareOutputFile", () => {
  it("accepts a new file in an existing directory without creating it", () => {
    const file = path.join(dir, "p.csv");
    prepareOutputFile(file);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("names a missing directory", () => {
    const file = path.join(dir, "missing", "p.csv");
    expect(message(() => prepareOutputFile(file))).toBe(
      `cannot write \`${file}\`: the directory ${path.join(dir, "missing")} does not exist`,
    );
  });

  it("rejects a directory", () => {
    expect(message(() => prepareOutputFile(`${dir}/`))).toBe(
      `cannot write \`${dir}/\`: it names a directory; give a file name`,
    );
    expect(message(() => prepareOutputFile(dir))).toBe(
      `cannot write \`${dir}\`: it names a directory; give a file name`,
    );
  });

  it.runIf(fs.existsSync("/proc/self"))("rejects /proc", () => {
    expect(message(() => prepareOutputFile("/proc/m.json"))).toMatch(
      /^cannot write `\/proc\/m.json`: (the file system there does not allow new files|permission denied)$/,
    );
  });
});
