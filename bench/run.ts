/**
 * The benchmark harness behind `npm run bench` (`-- --quick` for a short
 * run). Every training measurement runs in its own child process
 * (`train-child.ts`, `torch/bench.py`). The systems take turns inside each
 * round, in an order that rotates from round to round, so slow drift of
 * the machine (other processes, thermal state) spreads over all of them.
 *
 * Writes `bench/results/<date>.json` and `bench/results/latest.json` and
 * regenerates `docs/performance.md`.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

import * as prettier from "prettier";

import { compileModel } from "../src/compiler/index.js";
import { readCsvBlocks } from "../src/runtime/data/csv.js";
import { openDataset } from "../src/runtime/data/index.js";
import {
  compileKuairand,
  dataFile,
  MODEL_SPECS,
  ROOT,
} from "./lib/kuairand.js";
import { renderPerformancePage, type BenchResults } from "./report.js";

const quick = process.argv.includes("--quick");
const renderOnly = process.argv.includes("--render");
const log = (line: string) => process.stderr.write(`${line}\n`);
const PYTHON = "/usr/bin/python3";

/** The models of the main comparison. */
const MODELS = ["mmoe", "hmdn_mmoe", "pepnet", "hmdn_pepnet", "ple"];
const SYSTEMS = ["compiled", "handwritten", "pytorch-dense", "pytorch-sparse"];
const ROUNDS = quick ? 1 : 2;
const TIMING = quick
  ? { warmup: 2, windows: 3, steps: 2 }
  : { warmup: 3, windows: 5, steps: 4 };

type Json = Record<string, unknown>;

/** Runs a command and parses the last line of its stdout as JSON. */
function runJson(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Json> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(
          new Error(
            `${command} ${args.join(" ")} failed (exit ${code}): ${err.slice(-2000)}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(last) as Json);
    });
  });
}

// `--expose-gc` lets the training child collect garbage before each RSS
// reading, so the memory check measures retained memory, not the collector's
// timing.
const tsx = (script: string, args: readonly string[]) =>
  runJson(process.execPath, [
    "--expose-gc",
    "--import",
    "tsx",
    script,
    ...args,
  ]);

function timingArgs(t: typeof TIMING): string[] {
  return [
    "--warmup",
    String(t.warmup),
    "--windows",
    String(t.windows),
    "--steps",
    String(t.steps),
  ];
}

function torchEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_WAIT_POLICY: "PASSIVE" };
}

/** Runs one system on one model and returns its child's JSON. */
async function measure(
  system: string,
  model: string,
  batchDir: string,
  torchThreads: number,
  extra: readonly string[] = [],
  timing = TIMING,
): Promise<Json> {
  if (system.startsWith("pytorch")) {
    return runJson(
      PYTHON,
      [
        "bench/torch/bench.py",
        path.join(batchDir, model),
        "--variant",
        system.slice("pytorch-".length),
        "--threads",
        String(torchThreads),
        ...timingArgs(timing),
      ],
      torchEnv(),
    );
  }
  return tsx("bench/train-child.ts", [
    system,
    model,
    ...timingArgs(timing),
    ...extra,
  ]);
}

/** Runs `measure`, logging and recording a failure instead of stopping. */
async function tryMeasure(...args: Parameters<typeof measure>): Promise<Json> {
  try {
    return await measure(...args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`failed: ${message.slice(0, 500)}`);
    return { error: message.slice(0, 2000) };
  }
}

/** Reads a number field of the runs that succeeded. */
const field = (runs: readonly Json[], key: string) =>
  runs.filter((r) => typeof r[key] === "number").map((r) => r[key] as number);

const median = (xs: readonly number[]) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
};

function loadAverage(): number[] {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

function packageVersion(name: string): string {
  const file = path.join(ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string })
    .version;
}

// ------------------------------------------------------------- sections

async function trainingComparison(batchDir: string, torchThreads: number) {
  const runs: Record<string, Record<string, Json[]>> = {};
  for (const model of MODELS) runs[model] = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [m, model] of MODELS.entries()) {
      const shift = (round + m) % SYSTEMS.length;
      const order = [...SYSTEMS.slice(shift), ...SYSTEMS.slice(0, shift)];
      for (const system of order) {
        log(`round ${round + 1}/${ROUNDS}: ${system} ${model}`);
        const result = await tryMeasure(system, model, batchDir, torchThreads);
        (runs[model][system] ??= []).push(result);
      }
    }
  }
  const perModel: Record<string, Json> = {};
  for (const model of MODELS) {
    const rate = (system: string) =>
      median(field(runs[model][system], "samplesPerSecond"));
    const cpuRate = (system: string) =>
      median(field(runs[model][system], "samplesPerCpuSecond"));
    const peak = (system: string) =>
      Math.max(...field(runs[model][system], "peakRssMb"));
    const compiled = runs[model].compiled.filter((r) => !("error" in r));
    perModel[model] = {
      samplesPerSecond: rate("compiled"),
      samplesPerCpuSecond: cpuRate("compiled"),
      handwrittenSamplesPerSecond: rate("handwritten"),
      pytorchDenseSamplesPerSecond: rate("pytorch-dense"),
      pytorchSparseSamplesPerSecond: rate("pytorch-sparse"),
      handwrittenRatio: rate("compiled") / rate("handwritten"),
      pytorchDenseRatio: rate("compiled") / rate("pytorch-dense"),
      pytorchSparseRatio: rate("compiled") / rate("pytorch-sparse"),
      cpuHandwrittenRatio: cpuRate("compiled") / cpuRate("handwritten"),
      cpuPytorchDenseRatio: cpuRate("compiled") / cpuRate("pytorch-dense"),
      peakRssMb: peak("compiled"),
      handwrittenPeakRssMb: peak("handwritten"),
      pytorchDensePeakRssMb: peak("pytorch-dense"),
      rssAfterWarmupMb: compiled[0]?.rssMb ?? null,
      tensors: compiled[0]?.tensors ?? null,
      runs: runs[model],
    };
  }
  return perModel;
}

async function pickTorchThreads(batchDir: string): Promise<Json> {
  const rates: Record<string, number> = {};
  for (const threads of [1, 2, 1, 2].slice(0, quick ? 2 : 4)) {
    const result = await tryMeasure(
      "pytorch-dense",
      "mmoe",
      batchDir,
      threads,
      [],
      { warmup: 2, windows: 3, steps: 2 },
    );
    const key = String(threads);
    rates[key] = Math.max(
      rates[key] ?? 0,
      field([result], "samplesPerSecond")[0] ?? 0,
    );
  }
  const best = (rates["2"] ?? 0) > (rates["1"] ?? 0) ? 2 : 1;
  return { samplesPerSecond: rates, best };
}

async function scaling(batchDir: string) {
  const short = { warmup: 2, windows: 3, steps: quick ? 2 : 3 };
  const sweep = async (
    label: string,
    model: string,
    values: readonly number[],
    flag: string,
  ) => {
    const points: Json[] = [];
    for (const value of values) {
      log(`scaling ${label}: ${value}`);
      const result = await measure(
        "compiled",
        model,
        batchDir,
        1,
        [flag, String(value)],
        short,
      );
      points.push({
        [label]: value,
        samplesPerSecond: result.samplesPerSecond,
        samplesPerCpuSecond: result.samplesPerCpuSecond,
        peakRssMb: result.peakRssMb,
        ...("error" in result ? { error: result.error } : {}),
      });
    }
    return points;
  };
  return {
    batchSize: await sweep(
      "batchSize",
      "mmoe",
      quick ? [256, 2048] : [256, 1024, 2048, 8192],
      "--batch",
    ),
    experts: await sweep(
      "experts",
      "mmoe",
      quick ? [2, 8] : [2, 4, 8, 16],
      "--experts",
    ),
    levels: await sweep(
      "levels",
      "hmdn_mmoe",
      quick ? [1, 6] : [1, 4, 6, 8],
      "--levels",
    ),
    vocabularyRows: await sweep(
      "rows",
      "mmoe",
      quick ? [1e3, 1e6] : [1e3, 1e4, 1e5, 1e6],
      "--rows",
    ),
  };
}

async function frontEnd() {
  const models = Object.keys(MODEL_SPECS);
  let lines = 0;
  const count = (text: string) => text.split("\n").length;
  const repeats = quick ? 3 : 10;
  // One untimed pass loads the modules and warms the JIT.
  for (const model of models) await compileKuairand(model);
  const start = performance.now();
  for (let r = 0; r < repeats; r++) {
    for (const model of models) {
      const result = await compileModel(path.join(ROOT, MODEL_SPECS[model]), {
        model,
      });
      for (const source of result.sources.values()) lines += count(source.text);
    }
  }
  const seconds = (performance.now() - start) / 1000;

  // Whole-process cost of `hmdnc check` against a bare `node -e 0`.
  try {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  } catch {
    // Another change in the tree may break the build for a while; the
    // last built dist/ still measures the same process start-up.
    log("front end: npm run build failed; timing the existing dist/");
  }
  const spec = "specs/kuairand/backbones.hmdn";
  const spawnMs = (args: string[]) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      stdio: "ignore",
    });
    if (result.status !== 0) {
      throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
    }
    return performance.now() - start;
  };
  const check: number[] = [];
  const bare: number[] = [];
  const spawns = quick ? 5 : 15;
  spawnMs(["bin/hmdnc.js", "check", spec]);
  for (let i = 0; i < spawns; i++) {
    bare.push(spawnMs(["-e", "0"]));
    check.push(spawnMs(["bin/hmdnc.js", "check", spec]));
  }
  return {
    compileLinesPerSecond: lines / seconds,
    compiledLines: lines,
    compileSeconds: seconds,
    checkSpec: spec,
    checkMs: median(check),
    nodeMs: median(bare),
    checkToNodeRatio: median(check) / median(bare),
  };
}

async function dataInput(file: string) {
  const ir = await compileKuairand("mmoe");
  const parseStart = performance.now();
  let records = 0;
  for await (const block of readCsvBlocks(file, { delimiter: "," })) {
    records += block.count;
  }
  const parseSeconds = (performance.now() - parseStart) / 1000;
  const rows = records - 1;

  const openStart = performance.now();
  const dataset = await openDataset(ir, { dataPath: file, mode: "memory" });
  const openSeconds = (performance.now() - openStart) / 1000;
  const batchStart = performance.now();
  let batched = 0;
  for await (const item of dataset.batches("train", {
    batchSize: ir.train.batchSize,
    epoch: 0,
  })) {
    batched += item.batch.size;
  }
  const batchSeconds = (performance.now() - batchStart) / 1000;
  return {
    file,
    rows,
    parseRowsPerSecond: rows / parseSeconds,
    openRowsPerSecond: rows / openSeconds,
    batchRowsPerSecond: batched / batchSeconds,
    trainRows: batched,
  };
}

/** Runs one section; a failure is logged and recorded, not fatal. */
async function section<T extends object>(
  name: string,
  run: () => Promise<T>,
): Promise<T | { error: string }> {
  log(name);
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${name} failed: ${message.slice(0, 500)}`);
    return { error: message.slice(0, 2000) };
  }
}

// ----------------------------------------------------------------- main

const resultsDir = path.join(ROOT, "bench", "results");
const writeAtomically = (target: string, text: string) => {
  const temp = `${target}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, target);
};
/** Renders the page and formats it as `npm run format:check` expects. */
async function performancePage(results: BenchResults): Promise<string> {
  const options = (await prettier.resolveConfig(ROOT)) ?? {};
  return prettier.format(renderPerformancePage(results), {
    ...options,
    parser: "markdown",
  });
}

if (renderOnly) {
  // Regenerates the page from bench/results/latest.json.
  const latest = JSON.parse(
    readFileSync(path.join(resultsDir, "latest.json"), "utf8"),
  ) as BenchResults;
  writeAtomically(
    path.join(ROOT, "docs", "performance.md"),
    await performancePage(latest),
  );
  process.exit(0);
}

const startedAt = new Date();
const loadStart = loadAverage();
const file = dataFile();
const batchDir = mkdtempSync(path.join(os.tmpdir(), "hmdnc-bench-"));
try {
  log(`exporting batches of ${MODELS.join(", ")} from ${file}`);
  await Promise.all(
    MODELS.map((model) =>
      tsx("bench/export-batches.ts", [model, path.join(batchDir, model)]).catch(
        () => null,
      ),
    ),
  );
  for (const model of MODELS) {
    if (!readdirSync(batchDir).includes(`${model}.bin`)) {
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "bench/export-batches.ts",
          model,
          path.join(batchDir, model),
        ],
        { cwd: ROOT },
      );
    }
  }

  const wasmThreads = await section("wasm: threaded against single", () =>
    tsx("bench/wasm-threads.ts", [String(quick ? 3 : 5), "2"]),
  );
  log("pytorch: choosing the thread count");
  const torchThreads = await pickTorchThreads(batchDir);
  const models = await trainingComparison(
    batchDir,
    torchThreads.best as number,
  );
  mkdirSync(resultsDir, { recursive: true });
  writeAtomically(
    path.join(resultsDir, "partial.json"),
    JSON.stringify({ wasmThreads, torchThreads, models }, null, 2),
  );
  const scale = await scaling(batchDir);
  const front = (await section("front end", frontEnd)) as Json;
  const data = (await section("data input", () => dataInput(file))) as Json;
  const allRuns = Object.values(models).flatMap((m) =>
    Object.values(m.runs as Record<string, Json[]>).flat(),
  );
  const torchInfo =
    allRuns.find((r) => typeof r.torch === "string") ?? ({} as Json);
  const compiledInfo =
    allRuns.find((r) => r.system === "compiled") ?? ({} as Json);

  const results: BenchResults = {
    date: startedAt.toISOString(),
    quick,
    command: quick ? "npm run bench -- --quick" : "npm run bench",
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.type()} ${os.release()}`,
      loadAverageStart: loadStart,
      loadAverageEnd: loadAverage(),
    },
    backend: {
      name: compiledInfo.backend as string,
      wasmThreads: compiledInfo.wasmThreads as number,
      simd: compiledInfo.simd as boolean,
    },
    versions: {
      node: process.version,
      tfjs: packageVersion("@tensorflow/tfjs"),
      tfjsBackendWasm: packageVersion("@tensorflow/tfjs-backend-wasm"),
      torch: torchInfo.torch as string,
      torchBlas: ((torchInfo.blas as string[] | undefined) ?? []).join(", "),
      torchThreads: torchThreads.best as number,
      ompWaitPolicy: "PASSIVE",
    },
    data,
    torchThreadChoice: torchThreads,
    wasmThreads: wasmThreads as Json,
    models,
    scaling: scale,
    frontEnd: front,
  };
  const json = JSON.stringify(results, null, 2) + "\n";
  const stamp = startedAt.toISOString().slice(0, 16).replace(/:/g, "");
  writeAtomically(path.join(resultsDir, `${stamp}.json`), json);
  writeAtomically(path.join(resultsDir, "latest.json"), json);
  writeAtomically(
    path.join(ROOT, "docs", "performance.md"),
    await performancePage(results),
  );
  rmSync(path.join(resultsDir, "partial.json"), { force: true });
  log(`wrote bench/results/${stamp}.json and docs/performance.md`);
} finally {
  rmSync(batchDir, { recursive: true, force: true });
}
