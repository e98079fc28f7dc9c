import type { Spread, VariantSummary } from "./summary.js";

/**
 * A hand-written SVG chart of an experiment: the top panel shows each
 * variant's mean test AUC over seeds, the bottom panel the same per
 * scenario, grouped by scenario with one colour per variant. Each point is
 * the mean, the thick bar spans mean ± one standard deviation and the thin
 * line spans min to max. The y axes start near the data, not at 0, because
 * AUC differences between variants are often a few thousandths.
 */

const WIDTH = 960;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 50, bottom: 70 };
// Categorical colours chosen to stay distinct for colour-blind readers.
const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#F0E442",
  "#000000",
];

/** Escapes text for an SVG text node or attribute value. */
function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function round(value: number): string {
  return Number(value.toFixed(2)).toString();
}

interface Scale {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
}

/** Picks an axis range around [low, high] with ticks at 1, 2 or 5 times a power of ten. */
export function niceScale(low: number, high: number): Scale {
  if (!(high > low)) {
    const pad = Math.abs(low) * 0.01 || 0.01;
    low -= pad;
    high += pad;
  }
  const rough = (high - low) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? power * 10;
  // toPrecision removes float noise such as 0.7000000000000001.
  const min = Number((Math.floor(low / step) * step).toPrecision(12));
  const max = Number((Math.ceil(high / step) * step).toPrecision(12));
  const ticks: number[] = [];
  for (let tick = min; tick <= max + step / 2; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return { min, max, ticks };
}

function decimalsFor(ticks: readonly number[]): number {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
}

interface PanelPoint {
  readonly x: number;
  readonly spread: Spread;
  readonly color: string;
  readonly label: string | null;
}

interface Panel {
  readonly title: string;
  /** The x axis title, drawn at the right end below the axis. */
  readonly xTitle: string;
  readonly top: number;
  readonly categories: readonly { readonly name: string; readonly x: number }[];
  readonly points: readonly PanelPoint[];
}

function renderPanel(panel: Panel, parts: string[]): void {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = panel.top + MARGIN.top;
  const bottom = panel.top + PANEL_HEIGHT - MARGIN.bottom;
  // The std bars count too, but an AUC lies in [0, 1], so the axis never
  // extends past it even when mean ± std does (0.5 ± 0.707).
  const values = panel.points.flatMap((point) => {
    const { mean, std, min, max } = point.spread;
    const ends = [min, max];
    if (mean !== null && std !== null && point.spread.count > 1) {
      ends.push(mean - std, mean + std);
    }
    return ends
      .filter((value): value is number => value !== null)
      .map((value) => Math.min(1, Math.max(0, value)));
  });
  const scale =
    values.length > 0
      ? niceScale(Math.min(...values), Math.max(...values))
      : niceScale(0.5, 1);
  const low = Math.max(0, scale.min);
  const high = Math.min(1, scale.max);
  // Everything drawn is clamped to the axis range, so no bar leaves the plot.
  const y = (value: number) => {
    const clamped = Math.min(high, Math.max(low, value));
    return (
      bottom -
      ((clamped - scale.min) / (scale.max - scale.min)) * (bottom - top)
    );
  };
  const decimals = decimalsFor(scale.ticks);

  parts.push(
    `<text x="${left}" y="${panel.top + 30}" class="title">${escapeXml(panel.title)}</text>`,
  );
  for (const tick of scale.ticks) {
    const ty = round(y(tick));
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${ty}" y2="${ty}" class="grid"/>`,
      `<text x="${left - 8}" y="${ty}" class="tick" text-anchor="end" dominant-baseline="middle">${tick.toFixed(decimals)}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" class="axis"/>`,
    `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" class="axis"/>`,
    `<text transform="translate(${left - 52} ${round((top + bottom) / 2)}) rotate(-90)" class="label" text-anchor="middle">test AUC</text>`,
    // Rotated category labels hang left of their tick, so the right end is free.
    `<text x="${right}" y="${bottom + 40}" class="label" text-anchor="end">${escapeXml(panel.xTitle)}</text>`,
  );
  for (const category of panel.categories) {
    parts.push(
      `<text transform="translate(${round(category.x)} ${bottom + 16}) rotate(-30)" class="tick" text-anchor="end">${escapeXml(category.name)}</text>`,
    );
  }
  for (const point of panel.points) {
    const { mean, std, min, max } = point.spread;
    if (mean === null || std === null || min === null || max === null) {
      continue;
    }
    const x = round(point.x);
    // One seed has no spread to show: no bars, no "± 0".
    const several = point.spread.count > 1;
    const detail = several
      ? `mean ${mean.toFixed(4)} ± ${std.toFixed(4)} (min ${min.toFixed(4)}, max ${max.toFixed(4)}, ${point.spread.count} seeds)`
      : `${mean.toFixed(4)} (1 seed)`;
    if (several) {
      parts.push(
        `<line x1="${x}" x2="${x}" y1="${round(y(min))}" y2="${round(y(max))}" stroke="${point.color}" stroke-width="1"/>`,
        `<line x1="${x}" x2="${x}" y1="${round(y(mean - std))}" y2="${round(y(mean + std))}" stroke="${point.color}" stroke-width="4"/>`,
      );
    }
    parts.push(
      `<circle cx="${x}" cy="${round(y(mean))}" r="4" fill="${point.color}"><title>${escapeXml(
        `${point.label ?? ""} ${detail}`.trim(),
      )}</title></circle>`,
    );
    if (point.label !== null) {
      // Right of the point, level with it: clear of the vertical bars.
      parts.push(
        `<text x="${round(point.x + 8)}" y="${round(y(mean))}" class="value" text-anchor="start" dominant-baseline="middle">${mean.toFixed(4)}</text>`,
      );
    }
  }
}

/**
 * Renders the experiment chart as a standalone SVG document; the
 * per-scenario panel is left out when `perScenario` is false.
 */
export function renderChart(
  experiment: string,
  summaries: readonly VariantSummary[],
  options: { readonly perScenario?: boolean } = {},
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const scenarioNames = [
    ...new Set(summaries.flatMap((s) => Object.keys(s.scenarios))),
  ].filter((name) => summaries.some((s) => s.scenarios[name]?.mean != null));
  const hasScenarios =
    options.perScenario !== false && scenarioNames.length > 1;
  const height = PANEL_HEIGHT * (hasScenarios ? 2 : 1) + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    "<style>.title{font-size:16px;font-weight:bold}.tick{font-size:11px;fill:#333}.label{font-size:12px}.value{font-size:10px;fill:#333}.grid{stroke:#e5e5e5}.axis{stroke:#333}</style>",
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
  ];
  const colorOf = (index: number) => PALETTE[index % PALETTE.length];

  const variantStep = plotWidth / Math.max(1, summaries.length);
  renderPanel(
    {
      title: summaries.some((summary) => summary.auc.count > 1)
        ? `${experiment}: test AUC by variant (mean, ±1 std, min–max over seeds)`
        : `${experiment}: test AUC by variant (one seed)`,
      xTitle: "variant",
      top: 0,
      categories: summaries.map((s, i) => ({
        name: s.variant,
        x: MARGIN.left + variantStep * (i + 0.5),
      })),
      points: summaries.map((s, i) => ({
        x: MARGIN.left + variantStep * (i + 0.5),
        spread: s.auc,
        color: colorOf(i),
        label: s.variant,
      })),
    },
    parts,
  );

  if (hasScenarios) {
    const groupStep = plotWidth / scenarioNames.length;
    const inner = (groupStep * 0.7) / Math.max(1, summaries.length);
    const points: PanelPoint[] = [];
    scenarioNames.forEach((name, g) => {
      summaries.forEach((s, i) => {
        const offset = (i - (summaries.length - 1) / 2) * inner;
        const value = s.scenarios[name];
        if (value !== undefined) {
          points.push({
            x: MARGIN.left + groupStep * (g + 0.5) + offset,
            spread: value,
            color: colorOf(i),
            label: null,
          });
        }
      });
    });
    renderPanel(
      {
        title: "Test AUC per scenario",
        xTitle: "scenario",
        top: PANEL_HEIGHT,
        categories: scenarioNames.map((name, g) => ({
          name: `scenario ${name}`,
          x: MARGIN.left + groupStep * (g + 0.5),
        })),
        points,
      },
      parts,
    );
  }

  // Legend: one swatch per variant along the bottom edge.
  let legendX = MARGIN.left;
  const legendY = height - 16;
  summaries.forEach((s, i) => {
    parts.push(
      `<rect x="${legendX}" y="${legendY - 9}" width="10" height="10" fill="${colorOf(i)}"/>`,
      `<text x="${legendX + 14}" y="${legendY}" class="tick">${escapeXml(s.variant)}</text>`,
    );
    legendX += 32 + s.variant.length * 7;
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}
