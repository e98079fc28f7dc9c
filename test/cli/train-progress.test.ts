import { describe, expect, it } from "vitest";
import { createProgressListener } from "../../src/cli/progress.js";
import { renderMetricsReport, renderTable } from "../../src/cli/table.js";
import type { TrainEvent } from "../../src/runtime/train/events.js";
import type { RunMetrics } from "../../src/runtime/train/report.js";

function capture(interactive: boolean) {
  let text = "";
  let time = 0;
  const listener = createProgressListener(
    { write: (chunk: string) => (text += chunk), columns: 100 },
    { interactive, now: () => time, redrawMs: 0 },
  );
  return {
    listener,
    advance: (ms: number) => (time += ms),
    text: () => text,
  };
}

const start: TrainEvent = {
  type: "start",
  backend: "wasm",
  epochs: 2,
  batchesPerEpoch: 5,
  totalSteps: 10,
  epoch: 0,
  batch: 0,
  step: 0,
  resumed: false,
  finished: false,
};

function step(n: number): TrainEvent {
  return {
    type: "step",
    step: n,
    epoch: n > 5 ? 1 : 0,
    batch: (n - 1) % 5,
    loss: 0.5,
    taskLosses: { click: 0.5 },
    commitLoss: null,
    lr: 0.001,
    samplesPerSecond: 1000,
  };
}

describe("progress output", () => {
  it("prints plain lines every N steps without a terminal", () => {
    const out = capture(false);
    out.listener(start);
    for (let n = 1; n <= 4; n++) {
      out.advance(1000);
      out.listener(step(n));
    }
    expect(out.text()).toBe(
      "training on backend wasm: 2 epoch(s) of 5 batches, 10 steps\n" +
        "epoch 1/2 step 1/10 loss 0.5000 1,000 samples/s ETA 0:09\n" +
        "epoch 1/2 step 2/10 loss 0.5000 1,000 samples/s ETA 0:08\n" +
        "epoch 1/2 step 3/10 loss 0.5000 1,000 samples/s ETA 0:07\n" +
        "epoch 1/2 step 4/10 loss 0.5000 1,000 samples/s ETA 0:06\n",
    );
  });

  it("redraws one bar in place on a terminal", () => {
    const out = capture(true);
    out.listener(start);
    out.advance(2000);
    out.listener(step(5));
    expect(out.text()).toContain(
      "\r\x1b[2K[===============               ] epoch 1/2 step 5/10",
    );
    expect(out.text().endsWith("ETA 0:02")).toBe(true);
  });

  it("clears the bar before an epoch line", () => {
    const out = capture(true);
    out.listener(start);
    out.listener(step(1));
    out.listener({
      type: "epoch",
      epoch: 0,
      step: 5,
      partial: false,
      metrics: { auc: 0.7, logloss: 0.6, gauc: null, rows: 10, positives: 4 },
      quantizer: [
        { level: 1, usage: 0.5, perplexity: 1.2, deadCodes: 3, resets: 0 },
      ],
      improved: true,
      trainSeconds: 1,
    });
    expect(out.text()).toContain(
      "\r\x1b[2Kepoch 1: valid AUC 0.7000 logloss 0.6000 (best so far)\n" +
        "  quantizer usage/perplexity/dead codes: L1 50%/1.2/3\n" +
        "  warning: codebook collapsed at level(s) 1: nearly every row takes one code\n",
    );
  });

  it("announces a resumed run with its position", () => {
    const out = capture(false);
    out.listener({ ...start, resumed: true, step: 6, epoch: 1, batch: 1 });
    expect(out.text()).toBe(
      "training on backend wasm: 2 epoch(s) of 5 batches, 10 steps, " +
        "resuming at step 6 (epoch 2, batch 2)\n",
    );
  });
});

describe("metrics table", () => {
  it("aligns text left and numbers right", () => {
    expect(
      renderTable(
        ["name", "rows"],
        [
          ["a", "1"],
          ["long", "1,000"],
        ],
        ["left", "right"],
      ),
    ).toBe("name   rows\n----  -----\na         1\nlong  1,000\n");
  });

  it("renders overall, per-scenario and OOV lines", () => {
    const task = {
      auc: 0.71234,
      logloss: 0.5,
      gauc: 0.6,
      rows: 1200,
      positives: 500,
      scenarios: {
        "0": { auc: 0.7, logloss: 0.5, rows: 1000, positives: 450 },
        "1": { auc: null, logloss: 0.1, rows: 200, positives: 50 },
      },
      gaucGroupsSkipped: 7,
    };
    const metrics: RunMetrics = {
      ...task,
      backend: "cpu",
      samplesPerSecond: 1,
      seed: 1,
      irHash: "0",
      split: "test",
      tasks: { click: task },
      features: {
        user_id: { oov: 12, missing: 0 },
        tab: { oov: 0, missing: 0 },
      },
    };
    expect(renderMetricsReport(metrics)).toBe(
      [
        "metrics on the test split (backend cpu):",
        "AUC 0.7123  logloss 0.5000  GAUC 0.6000  rows 1,200  positives 500",
        "  (GAUC leaves out 7 groups whose rows are all of one class)",
        "",
        "scenario   rows  positives     AUC  logloss",
        "--------  -----  ---------  ------  -------",
        "0         1,000        450  0.7000   0.5000",
        "1           200         50     n/a   0.1000",
        "",
        "values unseen in training (OOV row) or missing (missing row):",
        "feature  oov  missing",
        "-------  ---  -------",
        "user_id   12        0",
        "",
      ].join("\n"),
    );
  });
  it("gives every task a heading when there are several", () => {
    const task = {
      auc: 0.7,
      logloss: 0.5,
      gauc: null,
      rows: 10,
      positives: 5,
      scenarios: {},
      gaucGroupsSkipped: 0,
    };
    const metrics: RunMetrics = {
      ...task,
      backend: "cpu",
      samplesPerSecond: 1,
      seed: 1,
      irHash: "0",
      split: "test",
      tasks: { click: task, long_view: { ...task, auc: 0.6 } },
      features: {},
    };
    expect(renderMetricsReport(metrics)).toBe(
      [
        "metrics on the test split (backend cpu):",
        "task click: AUC 0.7000  logloss 0.5000  GAUC n/a  rows 10  positives 5",
        "",
        "task long_view: AUC 0.6000  logloss 0.5000  GAUC n/a  rows 10  positives 5",
        "",
      ].join("\n"),
    );
  });
  it("shows only the metrics the evaluate block asks for", () => {
    const task = {
      auc: 0.7,
      logloss: 0.5,
      gauc: 0.6,
      rows: 10,
      positives: 5,
      scenarios: {
        "0": { auc: 0.7, logloss: 0.5, rows: 6, positives: 3 },
        "1": { auc: 0.6, logloss: 0.4, rows: 4, positives: 2 },
      },
      gaucGroupsSkipped: 3,
    };
    const metrics: RunMetrics = {
      ...task,
      backend: "cpu",
      samplesPerSecond: 1,
      seed: 1,
      irHash: "0",
      split: "test",
      tasks: { click: task },
      features: {},
    };
    expect(
      renderMetricsReport(metrics, { metrics: ["auc"], perScenario: false }),
    ).toBe(
      "metrics on the test split (backend cpu):\nAUC 0.7000  rows 10  positives 5\n",
    );
    expect(
      renderMetricsReport(metrics, { metrics: ["logloss"], perScenario: true }),
    ).toBe(
      [
        "metrics on the test split (backend cpu):",
        "logloss 0.5000  rows 10  positives 5",
        "",
        "scenario  rows  positives  logloss",
        "--------  ----  ---------  -------",
        "0            6          3   0.5000",
        "1            4          2   0.4000",
        "",
      ].join("\n"),
    );
  });
});
