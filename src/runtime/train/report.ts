import { createHash } from "node:crypto";

/**
 * The shape of `metrics.json`. Keys are stable: scripts compare runs by
 * them. AUC values are `null` where a part has rows of one class only,
 * because AUC is undefined there.
 */

/** Metrics of one scenario's rows. */
export interface ScenarioMetrics {
  readonly auc: number | null;
  readonly logloss: number | null;
  readonly rows: number;
  readonly positives: number;
}

/** Metrics of one task over the evaluated rows. */
export interface TaskMetrics {
  readonly auc: number | null;
  readonly logloss: number | null;
  /** `null` when the model's `evaluate` block does not ask for GAUC. */
  readonly gauc: number | null;
  readonly rows: number;
  readonly positives: number;
  /**
   * Keyed by the model's scenario names in preprocessing order: the kept
   * scenario values, then `__other__` for the values folded together.
   */
  readonly scenarios: Readonly<Record<string, ScenarioMetrics>>;
  /** GAUC groups left out because their rows are all of one class. */
  readonly gaucGroupsSkipped: number;
}

/** How often a feature's values were unseen in training or missing, in the evaluated rows. */
export interface FeatureValueCounts {
  readonly oov: number;
  readonly missing: number;
}

/** The content of `metrics.json`: the primary task's metrics at the top level. */
export interface RunMetrics extends TaskMetrics {
  readonly backend: string;
  /** Mean training throughput; the only key that differs between identical runs. */
  readonly samplesPerSecond: number;
  readonly seed: number;
  /** SHA-256 of the canonical JSON of the model IR the run trained. */
  readonly irHash: string;
  /** `test` after training; `all` for `hmdnc eval`, which scores every row of a file. */
  readonly split: "test" | "all";
  readonly tasks: Readonly<Record<string, TaskMetrics>>;
  /** Per feature name. */
  readonly features: Readonly<Record<string, FeatureValueCounts>>;
}

/** Keys that vary between two runs of the same seed; a determinism check ignores them. */
export const TIMING_KEYS: readonly string[] = ["samplesPerSecond"];

/**
 * Serialises `value` with object keys sorted at every level and no
 * whitespace, so equal values give equal text whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  }
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${entries.join(",")}}`;
}

/** Returns the hex SHA-256 of the canonical JSON of `value`. */
export function hashCanonical(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
