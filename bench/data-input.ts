/**
 * Measures the CSV reader and the data stage on KuaiRand-like rows.
 *
 * usage: npx tsx bench/data-input.ts [copies | FILE]
 *
 * Builds a temp file of `copies` (default 20) concatenated copies of the
 * 30k-row KuaiRand slice (47 columns), or reads FILE, a CSV with the same
 * columns. Then it prints rows/s for parsing only, for the fit pass, and
 * for opening the dataset (fit and encode passes) in memory mode.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { FeatureIr } from "../src/compiler/ir.js";
import { readCsvBlocks } from "../src/runtime/data/csv.js";
import { fitPreprocessing, openDataset } from "../src/runtime/data/dataset.js";
import { categorical, model, multi, numeric } from "../test/data/fixtures.js";

const argument = process.argv[2] ?? "20";
const given = /^\d+$/.test(argument) ? null : argument;
const copies = given === null ? Number(argument) : 1;
const directory = mkdtempSync(join(tmpdir(), "hmdnc-bench-"));
const path = given ?? join(directory, "kuairand.csv");
const source =
  given ?? new URL("../data/kuairand/kuairand_ctr_30k.csv", import.meta.url);
const text = readFileSync(source, "utf8");
const newline = text.indexOf("\n");
const header = text.slice(0, newline + 1);
const sourceRows = countRows(text);

if (given === null) {
  const body = text.slice(newline + 1);
  const out = createWriteStream(path);
  out.write(header);
  for (let i = 0; i < copies; i++) out.write(body);
  await new Promise<void>((resolve) => out.end(resolve));
}

function countRows(csv: string): number {
  let lines = 0;
  for (let i = csv.indexOf("\n"); i >= 0; i = csv.indexOf("\n", i + 1)) lines++;
  return csv.endsWith("\n") ? lines - 1 : lines;
}

const columns = header.trim().split(",");
const numericColumns = new Set([
  "follow_user_num",
  "fans_user_num",
  "friend_user_num",
  "register_days",
  "video_duration",
  "server_width",
  "server_height",
]);
const skipped = new Set(["is_click", "long_view", "is_like", "tag"]);
const features: FeatureIr[] = columns
  .filter((c) => !skipped.has(c))
  .map((c) =>
    numericColumns.has(c)
      ? numeric(c, { kind: "log1p" }, { policy: "mean" })
      : categorical(c),
  );
features.push(multi("tag", 3));
const dataModel = model({
  path,
  features,
  split: { kind: "random", seed: 1, valid: 0.1, test: 0.1 },
  scenario: { column: "tab", top: 5, minRows: 1 },
  gaucBy: "user_id",
  label: "is_click",
});

/**
 * Runs `run` and prints rows per second of wall time and of CPU time. The
 * CPU rate (user + system time of this process) stays meaningful when other
 * processes share the cores.
 */
async function time(label: string, rows: number, run: () => Promise<unknown>) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await run();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const format = (value: number) => Math.round(value).toLocaleString("en-US");
  process.stdout.write(
    `${label.padEnd(24)} ${seconds.toFixed(2)} s wall ${format(rows / seconds).padStart(9)} rows/s` +
      ` | ${cpuSeconds.toFixed(2)} s cpu ${format(rows / cpuSeconds).padStart(9)} rows/s\n`,
  );
}

const rows = copies * sourceRows;
process.stdout.write(
  `${rows} rows x ${columns.length} columns, node ${process.version}\n`,
);
for (let round = 0; round < 2; round++) {
  await time("parse (readCsvBlocks)", rows, async () => {
    let count = 0;
    for await (const block of readCsvBlocks(path, { delimiter: "," }))
      count += block.count;
    if (count !== rows + 1) throw new Error(`parsed ${count} records`);
  });
}
await time("fit pass", rows, () => fitPreprocessing(dataModel));
await time("open (fit + encode)", rows * 2, () => openDataset(dataModel));
rmSync(directory, { recursive: true });
