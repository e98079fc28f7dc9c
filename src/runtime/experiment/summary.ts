/**
 * The results of an experiment: one row per variant and seed, and a
 * summary per variant with the mean and spread over seeds.
 */

/** One finished run of an experiment. */
export interface ExperimentResult {
  readonly variant: string;
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  readonly seed: number;
  /** The run directory, relative to the experiment's output directory. */
  readonly run: string;
  readonly irHash: string;
  readonly auc: number | null;
  readonly logloss: number | null;
  readonly gauc: number | null;
  /** AUC per scenario value (`null` where a scenario has one class only). */
  readonly scenarios: Readonly<Record<string, number | null>>;
  /** True when the run was found finished and not trained again. */
  readonly skipped: boolean;
  /** `failed` when training stopped with an error; its metrics are `null`. */
  readonly status: "ok" | "failed";
  /** Why the run failed; only on failed runs. */
  readonly error?: string;
}

/** Mean and spread of one metric over seeds; `null` fields when no seed has a value. */
export interface Spread {
  readonly mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); 0 for one value. */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** How many seeds had a value. */
  readonly count: number;
}

/** Summary of one variant over its seeds. */
export interface VariantSummary {
  readonly variant: string;
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  /** How many seeds finished; the spreads cover only these. */
  readonly seeds: number;
  /** How many seeds failed. */
  readonly failed: number;
  readonly auc: Spread;
  readonly logloss: Spread;
  readonly gauc: Spread;
  readonly scenarios: Readonly<Record<string, Spread>>;
}

/** Which metrics an experiment reports: its `report` block. */
export interface ReportChoice {
  readonly metrics: readonly ("auc" | "logloss" | "gauc")[];
  readonly perScenario: boolean;
}

/** Every metric and every scenario. */
export const FULL_CHOICE: ReportChoice = {
  metrics: ["auc", "logloss", "gauc"],
  perScenario: true,
};

/**
 * Drops the metrics `report` does not ask for from a result or a summary,
 * for `results.json`: `scenarios` goes when `perScenario` is off.
 */
export function chosenFields<T extends ExperimentResult | VariantSummary>(
  item: T,
  report: ReportChoice,
): Partial<T> {
  const copy: Record<string, unknown> = { ...item };
  for (const metric of ["auc", "logloss", "gauc"] as const) {
    if (!report.metrics.includes(metric)) delete copy[metric];
  }
  if (!report.perScenario) delete copy.scenarios;
  return copy as Partial<T>;
}

/** Computes mean, sample standard deviation, minimum and maximum, skipping `null`. */
export function spread(values: readonly (number | null)[]): Spread {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) {
    return { mean: null, std: null, min: null, max: null, count: 0 };
  }
  const mean = present.reduce((sum, value) => sum + value, 0) / present.length;
  const squares = present.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  const std =
    present.length > 1 ? Math.sqrt(squares / (present.length - 1)) : 0;
  return {
    mean,
    std,
    min: Math.min(...present),
    max: Math.max(...present),
    count: present.length,
  };
}

/** Groups results by variant (in first-seen order) and summarises each group. */
export function summarize(
  results: readonly ExperimentResult[],
): VariantSummary[] {
  const groups = new Map<string, ExperimentResult[]>();
  for (const result of results) {
    const group = groups.get(result.variant) ?? [];
    group.push(result);
    groups.set(result.variant, group);
  }
  const summaries: VariantSummary[] = [];
  for (const [variant, all] of groups) {
    const group = all.filter((r) => r.status === "ok");
    const scenarioNames = scenarioOrder(group);
    const scenarios: Record<string, Spread> = {};
    for (const name of scenarioNames) {
      scenarios[name] = spread(group.map((r) => r.scenarios[name] ?? null));
    }
    summaries.push({
      variant,
      settings: all[0].settings,
      seeds: group.length,
      failed: all.length - group.length,
      auc: spread(group.map((r) => r.auc)),
      logloss: spread(group.map((r) => r.logloss)),
      gauc: spread(group.map((r) => r.gauc)),
      scenarios,
    });
  }
  return summaries;
}

/** Scenario names in first-seen order across `results`. */
export function scenarioOrder(results: readonly ExperimentResult[]): string[] {
  const names = new Set<string>();
  for (const result of results) {
    for (const name of Object.keys(result.scenarios)) {
      names.add(name);
    }
  }
  return [...names];
}

/** Quotes a CSV field when it contains a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function formatNumber(value: number | null): string {
  return value === null ? "" : String(value);
}

/**
 * Renders `results.csv`: variant, settings (as `path=value` pairs joined by
 * `;`), seed, the metrics `report` asks for (of auc, logloss, gauc, in that
 * order), then with `perScenario` one `auc_<scenario>` column per scenario, then `status` (`ok` or `failed`). Empty cells mean
 * "undefined" (one class only, not computed, or a failed run).
 */
export function resultsCsv(
  results: readonly ExperimentResult[],
  report: ReportChoice = FULL_CHOICE,
): string {
  const scenarios = report.perScenario ? scenarioOrder(results) : [];
  const metrics = (["auc", "logloss", "gauc"] as const).filter((metric) =>
    report.metrics.includes(metric),
  );
  const header = [
    "variant",
    "settings",
    "seed",
    ...metrics,
    ...scenarios.map((name) => `auc_${name}`),
    "status",
  ];
  const lines = [header.map(csvField).join(",")];
  for (const result of results) {
    const settings = Object.entries(result.settings)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(";");
    const cells = [
      result.variant,
      settings,
      String(result.seed),
      ...metrics.map((metric) => formatNumber(result[metric])),
      ...scenarios.map((name) => formatNumber(result.scenarios[name] ?? null)),
      result.status,
    ];
    lines.push(cells.map(csvField).join(","));
  }
  return `${lines.join("\n")}\n`;
}
