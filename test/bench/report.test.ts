import { describe, expect, it } from "vitest";
import {
  renderPerformancePage,
  type BenchResults,
} from "../../bench/report.js";

const model = (rate: number) => ({
  samplesPerSecond: rate,
  samplesPerCpuSecond: rate * 1.5,
  handwrittenSamplesPerSecond: rate / 0.9,
  pytorchDenseSamplesPerSecond: rate / 0.5,
  pytorchSparseSamplesPerSecond: rate / 0.6,
  handwrittenRatio: 0.9,
  pytorchDenseRatio: 0.5,
  pytorchSparseRatio: 0.6,
  cpuHandwrittenRatio: 1.01,
  cpuPytorchDenseRatio: 0.25,
  peakRssMb: 700,
  handwrittenPeakRssMb: 710,
  pytorchDensePeakRssMb: 400,
  rssAfterWarmupMb: { afterLoad: 300, afterWarmup: 690, end: 692 },
});

const results: BenchResults = {
  date: "2026-12-04T09:00:00.000Z",
  quick: true,
  command: "npm run bench -- --quick",
  machine: {
    cpu: "Test CPU",
    cores: 2,
    memoryGb: 24,
    platform: "Linux 6",
    loadAverageStart: [1, 1, 1],
    loadAverageEnd: [1, 1, 1],
  },
  backend: { name: "wasm", wasmThreads: 2, simd: true },
  versions: { node: "v20.20.2" },
  data: {
    file: "data.csv",
    rows: 1000,
    parseRowsPerSecond: 500_000,
    openRowsPerSecond: 100_000,
    batchRowsPerSecond: 50_000,
  },
  torchThreadChoice: { samplesPerSecond: { "1": 4000 }, best: 1 },
  wasmThreads: {
    threads: 2,
    matMul: { singleMs: 50, threadedMs: 30 },
    mlpStep: { singleMs: 300, threadedMs: 200 },
  },
  models: { mmoe: model(3000), ple: model(2000) },
  scaling: { batchSize: [], experts: [], levels: [], vocabularyRows: [] },
  frontEnd: {
    compileLinesPerSecond: 10_000,
    checkSpec: "specs/kuairand/backbones.hmdn",
    checkMs: 150,
    nodeMs: 50,
    checkToNodeRatio: 3,
  },
};

describe("renderPerformancePage", () => {
  const page = renderPerformancePage(results);

  it("states each target's status", () => {
    expect(page).toContain(
      "| compiled / hand-written tfjs >= 0.97 per model | min 0.90 by wall clock; 1.01 to 1.01 per CPU-second | not met |",
    );
    expect(page).toContain(
      "| `hmdnc check` <= 4x `node -e 0` | 3.00x (150 ms vs 50 ms) | met |",
    );
    expect(page).toMatch(/data input >= 5x training consumption \| 16\.7x/);
  });

  it("lists every model with its ratios", () => {
    expect(page).toContain(
      "| mmoe | 3,000 | 3,333 | 6,000 | 5,000 | 0.90 | 0.50 | 0.60 |",
    );
    expect(page).toContain("| ple | 2,000 |");
  });

  it("shows missing numbers as n/a", () => {
    const broken = renderPerformancePage({ ...results, wasmThreads: {} });
    expect(broken).toContain(
      "| matMul [2048 x 600] x [600 x 256] | n/a | n/a | n/a |",
    );
  });
});
