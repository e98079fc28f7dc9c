import type { RunMetrics, TaskMetrics } from "../runtime/train/report.js";

/** Column alignment: text left, numbers right. */
export type Align = "left" | "right";

/** Renders rows as space-separated columns padded to the widest cell, with a rule under the header. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        align[column] === "right"
          ? cell.padStart(widths[column])
          : cell.padEnd(widths[column]),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n") + "\n";
}

/** Formats a metric with 4 decimals, or `n/a` when undefined. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value)
    ? "n/a"
    : value.toFixed(4);
}

/** Formats a count with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** Which metrics a report shows: a model's `evaluate` or an experiment's `report` settings. */
export interface ReportSettings {
  readonly metrics: readonly ("auc" | "logloss" | "gauc")[];
  readonly perScenario: boolean;
}

/** Shows every metric and the per-scenario table. */
export const FULL_REPORT: ReportSettings = {
  metrics: ["auc", "logloss", "gauc"],
  perScenario: true,
};

function renderTask(
  name: string | null,
  metrics: TaskMetrics,
  settings: ReportSettings,
): string {
  const title = name === null ? "" : `task ${name}: `;
  const shows = (metric: "auc" | "logloss" | "gauc") =>
    settings.metrics.includes(metric);
  const figures = [
    ...(shows("auc") ? [`AUC ${formatMetric(metrics.auc)}`] : []),
    ...(shows("logloss") ? [`logloss ${formatMetric(metrics.logloss)}`] : []),
    ...(shows("gauc") ? [`GAUC ${formatMetric(metrics.gauc)}`] : []),
    `rows ${formatCount(metrics.rows)}`,
    `positives ${formatCount(metrics.positives)}`,
  ];
  const lines: string[] = [`${title}${figures.join("  ")}`];
  if (shows("gauc") && metrics.gauc !== null && metrics.gaucGroupsSkipped > 0) {
    lines.push(
      `  (GAUC leaves out ${formatCount(metrics.gaucGroupsSkipped)} groups whose rows are all of one class)`,
    );
  }
  const scenarios = Object.entries(metrics.scenarios);
  if (settings.perScenario && scenarios.length > 1) {
    const header = [
      "scenario",
      "rows",
      "positives",
      ...(shows("auc") ? ["AUC"] : []),
      ...(shows("logloss") ? ["logloss"] : []),
    ];
    lines.push(
      "",
      renderTable(
        header,
        scenarios.map(([scenario, part]) => [
          scenario,
          formatCount(part.rows),
          formatCount(part.positives),
          ...(shows("auc") ? [formatMetric(part.auc)] : []),
          ...(shows("logloss") ? [formatMetric(part.logloss)] : []),
        ]),
        header.map((_, i) => (i === 0 ? "left" : "right")),
      ).trimEnd(),
    );
  }
  return lines.join("\n");
}

/**
 * Renders the metrics a run reports: the primary task with its
 * per-scenario table, the other tasks, and the features with unseen or
 * missing values. `settings` (the model's `evaluate` block) picks the
 * metrics shown and whether the per-scenario table is.
 */
export function renderMetricsReport(
  metrics: RunMetrics,
  settings: ReportSettings = FULL_REPORT,
): string {
  const split =
    metrics.split === "test" ? "the test split" : "every row of the file";
  const parts: string[] = [`metrics on ${split} (backend ${metrics.backend}):`];
  const taskNames = Object.keys(metrics.tasks);
  // With several tasks every one gets a heading; one task needs none.
  parts.push(
    renderTask(taskNames.length > 1 ? taskNames[0] : null, metrics, settings),
  );
  for (const name of taskNames.slice(1)) {
    parts.push("", renderTask(name, metrics.tasks[name], settings));
  }
  const counted = Object.entries(metrics.features).filter(
    ([, counts]) => counts.oov > 0 || counts.missing > 0,
  );
  if (counted.length > 0) {
    parts.push(
      "",
      "values unseen in training (OOV row) or missing (missing row):",
      renderTable(
        ["feature", "oov", "missing"],
        counted.map(([feature, counts]) => [
          feature,
          formatCount(counts.oov),
          formatCount(counts.missing),
        ]),
        ["left", "right", "right"],
      ).trimEnd(),
    );
  }
  return `${parts.join("\n")}\n`;
}
