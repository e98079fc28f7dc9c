/**
 * Compares the compiled training rate of two checkouts of the repository
 * side by side: runs `bench/train-child.ts` from each root in turn, for
 * several rounds, and prints the median wall-clock and per-CPU-second
 * rates of each. Alternating the two keeps a changing machine load from
 * favouring one of them.
 *
 * usage: node --import tsx bench/ab.ts BASE_ROOT NEW_ROOT MODEL [rounds]
 *          [-- child options]
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const separator = process.argv.indexOf("--");
const args =
  separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
const childOptions = separator < 0 ? [] : process.argv.slice(separator + 1);
const [baseRoot, newRoot, model, roundsArg] = args;
if (!baseRoot || !newRoot || !model) {
  process.stderr.write(
    "usage: ab.ts BASE_ROOT NEW_ROOT MODEL [rounds] [-- child options]\n",
  );
  process.exit(1);
}
const rounds = Number(roundsArg ?? 3);

interface Rates {
  wall: number[];
  cpu: number[];
}

function runChild(root: string): { wall: number; cpu: number } {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(root, "bench/train-child.ts"),
      "compiled",
      model,
      ...childOptions,
    ],
    { cwd: root, encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(`child in ${root} failed:\n${result.stderr}`);
  }
  const line = JSON.parse(result.stdout.trim().split("\n").pop() as string);
  return { wall: line.samplesPerSecond, cpu: line.samplesPerCpuSecond };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const roots = [baseRoot, newRoot];
const rates: Rates[] = roots.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < rounds; r++) {
  // Swap the order every round so neither side always runs first.
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) {
    const { wall, cpu } = runChild(roots[i]);
    rates[i].wall.push(wall);
    rates[i].cpu.push(cpu);
  }
}
const [base, next] = rates.map((r) => ({
  wall: median(r.wall),
  cpu: median(r.cpu),
}));
process.stdout.write(
  JSON.stringify({
    model,
    rounds,
    base: { root: baseRoot, ...base },
    new: { root: newRoot, ...next },
    wallRatio: next.wall / base.wall,
    cpuRatio: next.cpu / base.cpu,
  }) + "\n",
);
