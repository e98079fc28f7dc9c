import { describe, expect, it } from "vitest";
import { niceScale, renderChart } from "../../src/runtime/experiment/chart.js";
import {
  chosenFields,
  resultsCsv,
  spread,
  summarize,
  type ExperimentResult,
} from "../../src/runtime/experiment/summary.js";

function result(
  variant: string,
  seed: number,
  auc: number,
  scenarios: Record<string, number | null>,
): ExperimentResult {
  return {
    variant,
    settings: { "hierarchy.levels": variant === "d1" ? 1 : 6 },
    seed,
    run: `runs/${variant}-${seed}`,
    irHash: "0".repeat(64),
    auc,
    logloss: 0.5,
    gauc: null,
    scenarios,
    skipped: false,
    status: "ok",
  };
}

const results = [
  result("d1", 1, 0.7, { "0": 0.6, "1": 0.8 }),
  result("d1", 2, 0.72, { "0": 0.62, "1": null }),
  result("d6", 1, 0.74, { "0": 0.66, "1": 0.81 }),
];

describe("experiment summary", () => {
  it("computes mean, sample std, min and max", () => {
    const s = spread([0.7, 0.72, null]);
    expect(s.mean).toBeCloseTo(0.71, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.0002), 12);
    expect(s.min).toBe(0.7);
    expect(s.max).toBe(0.72);
    expect(s.count).toBe(2);
  });

  it("gives a spread of 0 for one seed and nulls for none", () => {
    expect(spread([0.7]).std).toBe(0);
    expect(spread([null])).toEqual({
      mean: null,
      std: null,
      min: null,
      max: null,
      count: 0,
    });
  });

  it("summarises per variant and per scenario", () => {
    const [d1, d6] = summarize(results);
    expect(d1.variant).toBe("d1");
    expect(d1.seeds).toBe(2);
    expect(d1.scenarios["1"].count).toBe(1);
    expect(d1.scenarios["1"].mean).toBe(0.8);
    expect(d6.auc.mean).toBe(0.74);
  });

  it("writes results.csv with one auc column per scenario", () => {
    expect(resultsCsv(results)).toBe(
      [
        "variant,settings,seed,auc,logloss,gauc,auc_0,auc_1,status",
        "d1,hierarchy.levels=1,1,0.7,0.5,,0.6,0.8,ok",
        "d1,hierarchy.levels=1,2,0.72,0.5,,0.62,,ok",
        "d6,hierarchy.levels=6,1,0.74,0.5,,0.66,0.81,ok",
        "",
      ].join("\n"),
    );
  });

  it("quotes csv fields with commas", () => {
    const odd = { ...results[0], variant: 'a,"b"' };
    expect(resultsCsv([odd]).split("\n")[1]).toMatch(/^"a,""b""",/);
  });
});

describe("experiment chart", () => {
  it("picks round axis ticks around the data", () => {
    expect(niceScale(0.7012, 0.7433)).toEqual({
      min: 0.7,
      max: 0.75,
      ticks: [0.7, 0.71, 0.72, 0.73, 0.74, 0.75],
    });
  });

  it("draws one point per variant and per scenario", () => {
    const svg = renderChart("depth <D>", summarize(results));
    expect(svg.startsWith("<svg xmlns=")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("depth &lt;D&gt;: test AUC by variant");
    expect(svg).toContain("Test AUC per scenario");
    expect(svg).toContain(">scenario 0</text>");
    // 2 variant points, then 2 + 2 scenario points (d1 has scenario 1 once).
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain(">0.7100</text>");
  });

  it("leaves out the scenario panel with one scenario", () => {
    const single = results.map((r) => ({
      ...r,
      scenarios: { __all__: r.auc },
    }));
    const svg = renderChart("x", summarize(single));
    expect(svg).not.toContain("Test AUC per scenario");
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });
  it("writes only the reported metrics and no scenarios without per_scenario", () => {
    expect(resultsCsv(results, { metrics: ["auc"], perScenario: false })).toBe(
      [
        "variant,settings,seed,auc,status",
        "d1,hierarchy.levels=1,1,0.7,ok",
        "d1,hierarchy.levels=1,2,0.72,ok",
        "d6,hierarchy.levels=6,1,0.74,ok",
        "",
      ].join("\n"),
    );
    const kept = chosenFields(results[0], {
      metrics: ["auc"],
      perScenario: false,
    });
    expect(Object.keys(kept).sort()).toEqual([
      "auc",
      "irHash",
      "run",
      "seed",
      "settings",
      "skipped",
      "status",
      "variant",
    ]);
    const chart = renderChart("e", summarize(results), { perScenario: false });
    expect(chart).not.toContain("per scenario");
    expect(renderChart("e", summarize(results))).toContain("per scenario");
  });
});

describe("experiment summary table", () => {
  it("shows only the reported metrics", async () => {
    const { renderSummary } = await import("../../src/cli/commands/run.js");
    const table = renderSummary(summarize(results), {
      metrics: ["auc"],
      perScenario: false,
    });
    expect(table.split("\n")[0].split(/\s{2,}/)).toEqual([
      "variant",
      "seeds",
      "AUC mean ± std",
      "AUC min",
      "AUC max",
    ]);
    expect(renderSummary(summarize(results)).split("\n")[0]).toContain("AUC 1");
  });
});

describe("experiment chart layout", () => {
  const wide = (variant: string, aucs: number[]) =>
    aucs.map((auc, seed) =>
      result(variant, seed, auc, { "0": auc, "1": 1 - auc }),
    );

  it("keeps every bar inside the plot and the axis within [0, 1]", () => {
    const svg = renderChart(
      "e",
      summarize([...wide("a", [0, 1]), ...wide("b", [0.5, 0.6])]),
    );
    const ys = [
      ...svg.matchAll(
        /<line x1="[\d.]+" x2="[\d.]+" y1="([\d.-]+)" y2="([\d.-]+)" stroke="#/g,
      ),
    ].flatMap((match) => [Number(match[1]), Number(match[2])]);
    expect(ys.length).toBeGreaterThan(0);
    // Panel 1 plots between y 50 and 230, panel 2 between 350 and 530.
    for (const value of ys) {
      expect(
        (value >= 50 && value <= 230) || (value >= 350 && value <= 530),
      ).toBe(true);
    }
    const ticks = [
      ...svg.matchAll(
        /class="tick" text-anchor="end" dominant-baseline="middle">([\d.-]+)</g,
      ),
    ].map((match) => Number(match[1]));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(1);
  });

  it("shows no spread for one seed and puts value labels beside the points", () => {
    const svg = renderChart(
      "e",
      summarize([result("d1", 1, 0.7, { "0": 0.6 })]),
    );
    expect(svg).not.toContain("±");
    expect(svg).toContain("<title>d1 0.7000 (1 seed)</title>");
    const circle = svg.match(/<circle cx="([\d.]+)" cy="([\d.]+)"/)!;
    const label = svg.match(/<text x="([\d.]+)" y="([\d.]+)" class="value"/)!;
    expect(Number(label[1])).toBe(Number(circle[1]) + 8);
    expect(label[2]).toBe(circle[2]);
  });
});
