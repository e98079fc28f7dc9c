/**
 * Collects predictions over the batches of an evaluation pass and
 * computes the metrics once, over the whole set.
 */
import { auc, gauc, logloss } from "./auc.js";

/** Metrics of one scenario. */
export interface ScenarioMetrics {
  readonly auc: number | null;
  readonly logloss: number | null;
  /** Rows with a positive weight. */
  readonly rows: number;
  readonly positives: number;
}

/** Every metric of one evaluation pass. */
export interface EvaluationResult {
  readonly auc: number | null;
  readonly logloss: number | null;
  /** `null` when no groups were given. */
  readonly gauc: number | null;
  readonly gaucGroups: number;
  readonly gaucSkippedGroups: number;
  readonly rows: number;
  readonly positives: number;
  /** Per raw scenario value, in order of first appearance. */
  readonly perScenario: Readonly<Record<string, ScenarioMetrics>>;
  /** Human-readable warnings, e.g. a single-class set. */
  readonly warnings: readonly string[];
}

/** The rows of one batch, as `add` takes them. */
export interface EvaluationRows {
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly weights?: ArrayLike<number>;
  /** The raw scenario value of every row. */
  readonly scenarios?: ArrayLike<string>;
  /** The GAUC group of every row. */
  readonly groups?: ArrayLike<number | string> | null;
}

/**
 * Accumulates scores, labels, weights, scenarios and groups across
 * batches. Memory grows with the rows added: 24 bytes per row plus the
 * scenario and group keys.
 */
export class MetricAccumulator {
  private scores: Float64Array<ArrayBuffer> = new Float64Array(1024);
  private labels: Float64Array<ArrayBuffer> = new Float64Array(1024);
  private weights: Float64Array<ArrayBuffer> = new Float64Array(1024);
  private scenarios: string[] = [];
  private groups: (number | string)[] = [];
  private hasGroups = false;
  private size = 0;

  /** Adds the rows of one batch. Rows of weight 0 are kept but never count. */
  add(rows: EvaluationRows): void {
    const n = rows.scores.length;
    if (rows.labels.length !== n) {
      throw new RangeError(`add: ${n} scores but ${rows.labels.length} labels`);
    }
    this.reserve(this.size + n);
    if (rows.groups != null) this.hasGroups = true;
    for (let i = 0; i < n; i++) {
      const at = this.size + i;
      this.scores[at] = rows.scores[i];
      this.labels[at] = rows.labels[i];
      this.weights[at] = rows.weights === undefined ? 1 : rows.weights[i];
      this.scenarios.push(
        rows.scenarios === undefined ? "__all__" : rows.scenarios[i],
      );
      this.groups.push(rows.groups == null ? -1 : rows.groups[i]);
    }
    this.size += n;
  }

  /** Computes every metric over all rows added so far. */
  compute(): EvaluationResult {
    const n = this.size;
    const scores = this.scores.subarray(0, n);
    const labels = this.labels.subarray(0, n);
    const weights = this.weights.subarray(0, n);
    const warnings: string[] = [];
    const overall = summarize(scores, labels, weights);
    const invalid = countInvalidScores(scores, weights);
    if (invalid > 0) {
      // Metrics over NaN scores would be meaningless, so none is reported.
      warnings.push(
        `metrics are undefined: ${invalid} of ${overall.rows} scores are NaN or infinite (the model may have diverged)`,
      );
      return {
        auc: null,
        logloss: null,
        gauc: null,
        gaucGroups: 0,
        gaucSkippedGroups: 0,
        rows: overall.rows,
        positives: overall.positives,
        perScenario: {},
        warnings,
      };
    }
    const aucValue = auc(scores, labels, weights);
    if (aucValue === null) {
      warnings.push(
        overall.rows === 0
          ? "AUC is undefined: the evaluation set has no rows"
          : `AUC is undefined: all ${overall.rows} evaluation rows are ${overall.positives > 0 ? "positive" : "negative"}`,
      );
    }
    const grouped = this.hasGroups
      ? gauc(scores, labels, this.groups, weights)
      : null;
    if (grouped !== null && grouped.gauc === null) {
      warnings.push("GAUC is undefined: every group has a single class");
    }
    return {
      auc: aucValue,
      logloss: logloss(scores, labels, weights),
      gauc: grouped?.gauc ?? null,
      gaucGroups: grouped?.groups ?? 0,
      gaucSkippedGroups: grouped?.skippedGroups ?? 0,
      rows: overall.rows,
      positives: overall.positives,
      perScenario: this.perScenario(scores, labels, weights, warnings),
      warnings,
    };
  }

  private perScenario(
    scores: Float64Array,
    labels: Float64Array,
    weights: Float64Array,
    warnings: string[],
  ): Record<string, ScenarioMetrics> {
    const rowsOf = new Map<string, number[]>();
    for (let i = 0; i < this.size; i++) {
      if (!(weights[i] > 0)) continue;
      const key = this.scenarios[i];
      let list = rowsOf.get(key);
      if (list === undefined) {
        list = [];
        rowsOf.set(key, list);
      }
      list.push(i);
    }
    const result: Record<string, ScenarioMetrics> = {};
    for (const [scenario, rows] of rowsOf) {
      const s = Float64Array.from(rows, (i) => scores[i]);
      const y = Float64Array.from(rows, (i) => labels[i]);
      const w = Float64Array.from(rows, (i) => weights[i]);
      const value = auc(s, y, w);
      const summary = summarize(s, y, w);
      if (value === null) {
        warnings.push(
          `AUC of scenario \`${scenario}\` is undefined: its ${summary.rows} rows have a single class`,
        );
      }
      result[scenario] = { auc: value, logloss: logloss(s, y, w), ...summary };
    }
    return result;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.scores.length) return;
    const size = Math.max(capacity, this.scores.length * 2);
    const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(size);
      next.set(a);
      return next;
    };
    this.scores = grow(this.scores);
    this.labels = grow(this.labels);
    this.weights = grow(this.weights);
  }
}

function countInvalidScores(
  scores: ArrayLike<number>,
  weights: ArrayLike<number>,
): number {
  let count = 0;
  for (let i = 0; i < scores.length; i++) {
    if (weights[i] > 0 && !Number.isFinite(scores[i])) count++;
  }
  return count;
}

function summarize(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
): { rows: number; positives: number } {
  let rows = 0;
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!(weights[i] > 0)) continue;
    rows++;
    if (labels[i] > 0.5) positives++;
  }
  return { rows, positives };
}
