/**
 * Streams a large synthetic file through the data stage in stream mode and
 * prints memory use along the way, to check that it stays flat.
 *
 * usage: npx tsx bench/data-stream.ts [rows] [file]
 *
 * Writes `rows` (default 10M) synthetic rows to `file`, or to a temp file
 * deleted at the end. An existing `file` is reused. Then it opens the file
 * in stream mode and reads one training epoch and the validation part in
 * batches of 4,096, sampling RSS and heap every 250 batches.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { openDataset } from "../src/runtime/data/dataset.js";
import { writeSyntheticCsv } from "../src/runtime/synth/index.js";
import { categorical, model, multi, numeric } from "../test/data/fixtures.js";

const rows = Number(process.argv[2] ?? 10_000_000);
const given = process.argv[3];
const directory =
  given === undefined ? mkdtempSync(join(tmpdir(), "hmdnc-stream-")) : null;
const path = given ?? join(directory!, "synth.csv");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const memory = () => {
  const usage = process.memoryUsage();
  return `rss ${mib(usage.rss)}, heap ${mib(usage.heapUsed)}`;
};
const write = (line: string) => process.stdout.write(`${line}\n`);

if (!existsSync(path)) {
  const start = performance.now();
  await writeSyntheticCsv(path, { rows, seed: 1 });
  const seconds = (performance.now() - start) / 1000;
  write(
    `synth: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s), ${memory()}`,
  );
}

const dataModel = model({
  path,
  label: "is_click",
  features: [
    categorical("user_id"),
    categorical("item_id"),
    categorical("user_seg_a"),
    categorical("user_seg_b"),
    categorical("device"),
    categorical("region"),
    categorical("hour"),
    categorical("item_category"),
    categorical("scenario"),
    multi("interests", 3),
    numeric("user_activity", { kind: "log1p" }),
    numeric("item_price", { kind: "log1p" }),
  ],
  scenario: { column: "scenario", top: null, minRows: 1 },
  split: { kind: "random", seed: 7, valid: 0.1, test: 0.1 },
  gaucBy: "user_id",
});

let start = performance.now();
const dataset = await openDataset(dataModel, { mode: "stream" });
write(
  `open (fit pass): ${((performance.now() - start) / 1000).toFixed(1)} s, rows ${JSON.stringify(dataset.rows)}, ${memory()}`,
);

let peak = 0;
for (const split of ["train", "valid"] as const) {
  start = performance.now();
  let seen = 0;
  for await (const { batch, index } of dataset.batches(split, {
    batchSize: 4096,
    epoch: 0,
  })) {
    seen += batch.size;
    if (index % 250 === 0) {
      peak = Math.max(peak, process.memoryUsage().rss);
      write(`  ${split} batch ${index}: ${seen} rows, ${memory()}`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  write(
    `${split}: ${seen} rows in ${seconds.toFixed(1)} s (${Math.round(seen / seconds)} rows/s)`,
  );
}
write(`peak sampled rss ${mib(peak)}`);
if (directory !== null) rmSync(directory, { recursive: true });
