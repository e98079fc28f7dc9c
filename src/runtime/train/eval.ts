import * as fs from "node:fs";
import * as path from "node:path";
import type { ModelIr } from "../../compiler/ir.js";
import type { Logger } from "../backend.js";
import { DataError, openDataset, type DataBatch } from "../data/index.js";
import { createNetwork } from "../network.js";
import { readStateDirectory } from "./checkpoint.js";
import { buildRunMetrics, evaluateSplit } from "./evaluate.js";
import { readJson, writeJsonAtomic } from "./files.js";
import { csvField } from "../experiment/summary.js";
import type { RunMetrics } from "./report.js";
import { readRun, RunDirectoryError } from "./run.js";
import {
  codeAgreement,
  CodeCollector,
  readColumnsAtLines,
  type CodeAgreement,
} from "./codes.js";

/** Options of `evaluateRun`. */
export interface EvaluateRunOptions {
  readonly runDir: string;
  /** The CSV file to score; every good row counts, whatever split the spec declares. */
  readonly dataPath: string;
  /** Writes `label,score,scenario,group` per row here, when given. */
  readonly predictionsPath?: string;
  /** The metrics file to write; `<runDir>/eval-metrics.json` by default. */
  readonly metricsPath?: string;
  readonly backend?: string;
  /**
   * Columns of the file to compare the quantizer codes with (normalised
   * mutual information per level); the model must have a hierarchy.
   */
  readonly codesAgainst?: readonly string[];
  readonly log: Logger;
}

/** The result of `evaluateRun`. */
export interface EvaluateRunResult {
  readonly metrics: RunMetrics;
  readonly metricsPath: string;
  /** Rows written to the predictions file (0 without one). */
  readonly predictionRows: number;
  /** One entry per `codesAgainst` column, in that order (empty without). */
  readonly codes: readonly CodeAgreement[];
}

/**
 * Scores every row of a CSV file with a trained run's final weights and
 * its saved preprocessing, so unseen values map to the OOV row and missing
 * ones to the missing row exactly as in training.
 */
export async function evaluateRun(
  options: EvaluateRunOptions,
): Promise<EvaluateRunResult> {
  const { ir, settings, preprocessing } = readRun(options.runDir);
  const finalDir = path.join(options.runDir, "final");
  const diverged = path.join(options.runDir, "diverged.json");
  if (
    !fs.existsSync(path.join(finalDir, "state.json")) &&
    fs.existsSync(diverged)
  ) {
    const { message } = readJson<{ message: string }>(diverged);
    throw new RunDirectoryError(
      `${options.runDir} has no final weights: ${message}; ` +
        "resuming would diverge again, so lower the learning rate or set `grad_clip` in the train block and train it anew",
    );
  }
  if (!fs.existsSync(path.join(finalDir, "state.json"))) {
    throw new RunDirectoryError(
      `${options.runDir} has no final weights: the run has not finished; continue it with \`hmdnc train --resume ${options.runDir}\``,
    );
  }
  // Every row goes to the test part, in file order.
  const allRows: ModelIr = {
    ...ir,
    dataset: { ...ir.dataset, split: { kind: "ordered", valid: 0, test: 1 } },
  };
  const dataset = await openDataset(allRows, {
    dataPath: options.dataPath,
    preprocessing,
  });
  if (dataset.rows.test === 0) {
    // The same file is an error for `train` (HMD4011); metrics of no rows
    // would all be n/a.
    throw new DataError({
      code: "HMD4011",
      message: "the file has no good data rows to score",
      file: options.dataPath,
      line: 0,
      column: 0,
      help: "check that the file has data rows after its header",
    });
  }
  const backend = options.backend ?? settings.backend ?? undefined;
  const network = await createNetwork(ir, preprocessing, {
    ...(backend === undefined ? {} : { backend }),
    seed: ir.train.seed,
    log: options.log,
    // Inference never reads the learning-rate schedule; any length will do.
    totalSteps: 1,
  });
  const against = options.codesAgainst ?? [];
  if (against.length > 0 && ir.hierarchy === null) {
    network.dispose();
    throw new RunDirectoryError(
      `${options.runDir} trained a model without a hierarchy, so it has no codes to compare with ${against.join(", ")}`,
    );
  }
  try {
    network.setState(readStateDirectory(finalDir));
    const collector = against.length > 0 ? new CodeCollector(network) : null;
    const predictions =
      options.predictionsPath === undefined
        ? null
        : new PredictionWriter(options.predictionsPath, ir);
    const began = performance.now();
    let rows = 0;
    let results: Awaited<ReturnType<typeof evaluateSplit>>;
    try {
      results = await evaluateSplit(
        network,
        dataset,
        allRows,
        "test",
        (item, scores) => {
          rows += item.batch.size;
          predictions?.add(item, scores);
          collector?.add(item);
        },
      );
      predictions?.commit();
    } finally {
      predictions?.abandon();
    }
    const seconds = (performance.now() - began) / 1000;
    const metrics = buildRunMetrics(results, {
      ir,
      irHash: settings.irHash,
      backend: network.backend,
      samplesPerSecond: seconds > 0 ? rows / seconds : 0,
      split: "all",
      scenarios: preprocessing.scenarios,
      featureCounts: dataset.report().features.test,
    });
    const metricsPath =
      options.metricsPath ?? path.join(options.runDir, "eval-metrics.json");
    writeJsonAtomic(metricsPath, metrics);
    const codes: CodeAgreement[] = [];
    if (collector !== null) {
      const collected = collector.result();
      const labels = await readColumnsAtLines(
        options.dataPath,
        ir.dataset.source.delimiter,
        against,
        collected.lines,
      );
      against.forEach((column, c) => {
        codes.push(
          codeAgreement(column, collected.codes, collector.levels, labels[c]),
        );
      });
    }
    return {
      metrics,
      metricsPath,
      predictionRows: predictions?.rows ?? 0,
      codes,
    };
  } finally {
    network.dispose();
  }
}

/**
 * Writes predictions to a temporary file next to the target and renames it
 * into place on `commit`, so a failed evaluation leaves no partial file.
 * The columns are the primary task's `label,score`, the row's `scenario`
 * value and its raw `gauc(by: ...)` value as `group` (empty when the model
 * has no GAUC metric), then `label_<task>,score_<task>` for every further
 * task.
 */
class PredictionWriter {
  rows = 0;
  private readonly temporary: string;
  private readonly handle: number;
  private committed = false;

  constructor(
    private readonly target: string,
    private readonly ir: ModelIr,
  ) {
    this.temporary = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${process.pid}.tmp`,
    );
    this.handle = fs.openSync(this.temporary, "w");
    const header = ["label", "score", "scenario", "group"];
    for (const task of ir.tasks.slice(1)) {
      header.push(`label_${task.name}`, `score_${task.name}`);
    }
    fs.writeSync(this.handle, `${header.map(csvField).join(",")}\n`);
  }

  add(item: DataBatch, scores: Readonly<Record<string, Float32Array>>): void {
    const { batch, meta } = item;
    const lines: string[] = [];
    for (let i = 0; i < batch.size; i++) {
      // Weight-0 rows pad a batch; they are not rows of the file.
      if (!(batch.weights[i] > 0)) continue;
      const cells: string[] = [];
      for (const task of this.ir.tasks) {
        cells.push(
          String(batch.labels[task.name][i]),
          String(scores[task.name][i]),
        );
      }
      const [label, score, ...rest] = cells;
      const group =
        meta.groupValues === null ? "" : csvField(meta.groupValues[i]);
      lines.push(
        [label, score, csvField(meta.scenarioValues[i]), group, ...rest].join(
          ",",
        ),
      );
      this.rows += 1;
    }
    if (lines.length > 0) {
      fs.writeSync(this.handle, `${lines.join("\n")}\n`);
    }
  }

  commit(): void {
    fs.fsyncSync(this.handle);
    fs.closeSync(this.handle);
    fs.renameSync(this.temporary, this.target);
    this.committed = true;
  }

  abandon(): void {
    if (!this.committed) {
      fs.closeSync(this.handle);
      fs.rmSync(this.temporary, { force: true });
    }
  }
}
