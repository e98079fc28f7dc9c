import { execFileSync } from "node:child_process";

import { describe, expect, it } from "vitest";
import { canImport, DEBIAN_PYTHON } from "../python.js";

import { auc, gauc, logloss } from "../../src/runtime/metrics/auc.js";
import { MetricAccumulator } from "../../src/runtime/metrics/evaluation.js";

function expand(negatives: number[], positives: number[]) {
  const scores: number[] = [];
  const labels: number[] = [];
  negatives.forEach((count, level) => {
    for (let i = 0; i < count; i++) {
      scores.push(level + 1);
      labels.push(0);
    }
  });
  positives.forEach((count, level) => {
    for (let i = 0; i < count; i++) {
      scores.push(level + 1);
      labels.push(1);
    }
  });
  return { scores, labels };
}

describe("auc", () => {
  it("ranks a tiny positive above exact zeros", () => {
    expect(auc([1e-10, 0, 0], [1, 0, 0])).toBe(1);
  });

  it("counts a tie as one half", () => {
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
  });

  it("matches the five-level rating example", () => {
    const { scores, labels } = expand([33, 6, 6, 11, 2], [3, 2, 2, 11, 33]);
    expect(auc(scores, labels)!.toFixed(6)).toBe("0.893171");
  });

  it("separates small scores perfectly", () => {
    expect(auc([0.001, 0.002, 0.003, 0.004], [0, 0, 1, 1])).toBe(1);
  });

  it("returns null for a single class", () => {
    expect(auc([0.1, 0.7], [1, 1])).toBeNull();
  });

  it("weights rows and ignores weight 0", () => {
    // The weight-0 negative at 0.95 would otherwise beat the positive.
    expect(auc([0.9, 0.1, 0.95], [1, 0, 0], [1, 1, 0])).toBe(1);
    // Doubling a row equals a weight of 2.
    expect(auc([0.3, 0.2, 0.4], [1, 0, 0], [1, 1, 2])).toBeCloseTo(
      auc([0.3, 0.2, 0.4, 0.4], [1, 0, 0, 0])!,
      12,
    );
  });
});

describe("metric accumulator", () => {
  it("computes AUC over all batches, not per batch", () => {
    const metrics = new MetricAccumulator();
    metrics.add({ scores: [0.9, 0.8], labels: [1, 0] });
    metrics.add({ scores: [0.3, 0.2], labels: [1, 0] });
    expect(metrics.compute().auc).toBe(0.75);
  });

  it("breaks metrics down per scenario", () => {
    const metrics = new MetricAccumulator();
    metrics.add({
      scores: [0.9, 0.1, 0.2, 0.6, 0.5],
      labels: [1, 0, 1, 0, 1],
      scenarios: ["a", "a", "b", "b", "b"],
      weights: [1, 1, 1, 1, 0],
    });
    const result = metrics.compute();
    expect(result.perScenario.a.auc).toBe(1);
    expect(result.perScenario.b.auc).toBe(0);
    expect(result.perScenario.b.rows).toBe(2);
    expect(result.perScenario.b.positives).toBe(1);
    expect(result.rows).toBe(4);
  });

  it("reports no metrics for NaN scores", () => {
    const metrics = new MetricAccumulator();
    metrics.add({ scores: [0.2, NaN, 0.4], labels: [0, 1, 1] });
    const result = metrics.compute();
    expect(result.auc).toBeNull();
    expect(result.logloss).toBeNull();
    expect(result.warnings).toEqual([
      "metrics are undefined: 1 of 3 scores are NaN or infinite (the model may have diverged)",
    ]);
  });

  it("warns when the set has one class", () => {
    const metrics = new MetricAccumulator();
    metrics.add({ scores: [0.2, 0.3], labels: [0, 0] });
    const result = metrics.compute();
    expect(result.auc).toBeNull();
    expect(result.warnings).toContain(
      "AUC is undefined: all 2 evaluation rows are negative",
    );
  });
});

describe("gauc", () => {
  const scores = [0.9, 0.8, 0.3, 0.1, 0.2, 0.7, 0.5, 0.4, 0.6];
  const labels = [1, 1, 0, 0, 1, 0, 1, 1, 1];
  const groups = ["A", "A", "A", "A", "B", "B", "C", "C", "C"];

  it("weights group AUC by impressions and skips single-class groups", () => {
    const result = gauc(scores, labels, groups);
    expect(result.gauc!.toFixed(4)).toBe("0.6667");
    expect(result.skippedGroups).toBe(1);
    expect(result.groups).toBe(2);
  });

  it("does not count rows of weight 0", () => {
    // An extra weight-0 negative in C and a weight-0 row in A change nothing.
    const result = gauc(
      [...scores, 0.99, 0.95],
      [...labels, 0, 0],
      [...groups, "C", "A"],
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
    );
    expect(result.gauc!.toFixed(4)).toBe("0.6667");
    expect(result.skippedGroups).toBe(1);
  });
});

describe("logloss", () => {
  it("stays finite at scores 0 and 1", () => {
    const value = logloss([0, 1, 0, 1], [1, 0, 0, 1])!;
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeCloseTo(-Math.log(1e-7) / 2, 6);
  });

  it("matches the cross-entropy of one row", () => {
    expect(logloss([0.8], [1])).toBeCloseTo(-Math.log(0.8), 12);
  });
});

describe.skipIf(!canImport("sklearn"))("auc against scikit-learn", () => {
  it("agrees with roc_auc_score on random data", () => {
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 4294967296;
    };
    const n = 2000;
    // Rounded scores create many ties, which both sides must count as 1/2.
    const scores = Array.from(
      { length: n },
      () => Math.round(next() * 50) / 50,
    );
    const labels = scores.map((s) => (next() < 0.3 + 0.4 * s ? 1 : 0));
    const weights = Array.from({ length: n }, () => 0.5 + next());
    const script =
      "import json,sys\nfrom sklearn.metrics import roc_auc_score\n" +
      "d=json.load(sys.stdin)\n" +
      "print(roc_auc_score(d['y'],d['s']), roc_auc_score(d['y'],d['s'],sample_weight=d['w']))";
    const output = execFileSync(DEBIAN_PYTHON, ["-c", script], {
      input: JSON.stringify({ y: labels, s: scores, w: weights }),
    }).toString();
    const [plain, weighted] = output.trim().split(" ").map(Number);
    expect(Math.abs(auc(scores, labels)! - plain)).toBeLessThan(1e-6);
    expect(Math.abs(auc(scores, labels, weights)! - weighted)).toBeLessThan(
      1e-6,
    );
  });
});
