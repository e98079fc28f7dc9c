// The checker reports problems and never throws: every spec and fixture,
// with lines deleted, duplicated or swapped, still checks to diagnostics.
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  cpSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import {
  checkFiles,
  compileExperiment,
  compileModel,
} from "../../src/compiler/index.js";

/** A small seeded generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, next: () => number): string {
  const lines = text.split("\n");
  const count = 1 + Math.floor(next() * 3);
  for (let step = 0; step < count; step++) {
    const index = Math.floor(next() * lines.length);
    const other = Math.floor(next() * lines.length);
    const choice = next();
    if (choice < 0.4) lines.splice(index, 1);
    else if (choice < 0.7) lines.splice(index, 0, lines[other] ?? "");
    else [lines[index], lines[other]] = [lines[other], lines[index]];
  }
  return lines.join("\n");
}

describe("checker on mutated specs", () => {
  it("returns diagnostics instead of throwing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-mutate-"));
    cpSync("specs", path.join(dir, "specs"), { recursive: true });
    cpSync("test/fixtures/diagnostics", path.join(dir, "fixtures"), {
      recursive: true,
    });
    const files = ["specs", "fixtures"].flatMap((folder) =>
      readdirSync(path.join(dir, folder), { recursive: true })
        .map(String)
        .filter((name) => name.endsWith(".hmdn"))
        .map((name) => path.join(dir, folder, name)),
    );
    const originals = new Map(
      files.map((file) => [file, readFileSync(file, "utf8")]),
    );
    const next = random(20261204);
    let diagnostics = 0;
    for (let round = 0; round < 150; round++) {
      const file = files[Math.floor(next() * files.length)];
      writeFileSync(file, mutate(originals.get(file)!, next));
      const checked = await checkFiles([file], { data: true });
      const model = await compileModel(file);
      const experiment = await compileExperiment(file);
      diagnostics += checked.diagnostics.length + model.diagnostics.length;
      expect(experiment.diagnostics).toBeInstanceOf(Array);
      writeFileSync(file, originals.get(file)!);
    }
    expect(diagnostics).toBeGreaterThan(150);
  }, 60_000);
});
