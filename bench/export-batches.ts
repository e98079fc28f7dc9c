/**
 * Writes the training batches of one KuaiRand model for the PyTorch twin.
 *
 * usage: node --import tsx bench/export-batches.ts MODEL OUT_BASE [batch] [count]
 *
 * Opens the real KuaiRand CSV (the shipped slice when it is absent) with the
 * data stage, and writes `count` (default 16) training batches of `batch`
 * rows (default: the model's batch size) to OUT_BASE.bin and OUT_BASE.json.
 */
import {
  compileKuairand,
  dataFile,
  readBatches,
  twinLayout,
  withBatchSize,
  writeBatches,
} from "./lib/kuairand.js";

const [model, base, batchArg, countArg] = process.argv.slice(2);
if (model === undefined || base === undefined) {
  process.stderr.write(
    "usage: bench/export-batches.ts MODEL OUT_BASE [batch] [count]\n",
  );
  process.exit(1);
}
let ir = await compileKuairand(model);
if (batchArg !== undefined) ir = withBatchSize(ir, Number(batchArg));
const count = Number(countArg ?? 16);
const { dataset, batches } = await readBatches(
  ir,
  dataFile(),
  ir.train.batchSize,
  count,
);
writeBatches(base, twinLayout(ir, dataset, count), batches);
process.stdout.write(
  `wrote ${count} batches of ${ir.train.batchSize} to ${base}.bin\n`,
);
