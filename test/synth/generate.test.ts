import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { openDataset } from "../../src/runtime/data/dataset.js";
import {
  SYNTH_COLUMNS,
  TASTE_EFFECT,
  cellTaste,
  isPreferred,
  syntheticCsv,
  writeSyntheticCsv,
} from "../../src/runtime/synth/index.js";
import {
  categorical,
  model,
  multi,
  numeric,
  tempFile,
} from "../data/fixtures.js";

const text = (rows: number, seed: number, scenarios?: number) =>
  [...syntheticCsv({ rows, seed, scenarios, users: 2000, items: 500 })].join(
    "",
  );

function parse(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trimEnd().split("\n");
  const names = header.split(",");
  return lines.map((line) => {
    const fields = line.split(",");
    return Object.fromEntries(names.map((name, i) => [name, fields[i]]));
  });
}

describe("synthetic data", () => {
  it("is deterministic by seed", () => {
    expect(text(500, 7)).toBe(text(500, 7));
    expect(text(500, 8)).not.toBe(text(500, 7));
  });

  it("makes shorter files prefixes of longer ones", () => {
    expect(text(1000, 7).startsWith(text(400, 7))).toBe(true);
  });

  it("writes the documented columns and row count", () => {
    const csv = text(1000, 1);
    expect(csv.split("\n")[0]).toBe(SYNTH_COLUMNS.join(","));
    const rows = parse(csv);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.scenario))).toEqual(
      new Set(["s0", "s1", "s2", "s3", "s4", "s5"]),
    );
  });

  it("makes segment fields noisy population votes", () => {
    const rows = parse(text(20000, 3));
    for (const field of ["user_seg_a", "user_seg_b"] as const) {
      const agree = rows.filter(
        (row) => row[field].slice(1) === row.true_population,
      ).length;
      // P(agree) = 0.7 + 0.3 / 4 = 0.775.
      expect(agree / rows.length).toBeGreaterThan(0.76);
      expect(agree / rows.length).toBeLessThan(0.79);
    }
  });

  it("hides the population in joint segments", () => {
    const csv = [
      ...syntheticCsv({
        rows: 20000,
        seed: 3,
        users: 2000,
        items: 500,
        segments: "joint",
      }),
    ].join("");
    const rows = parse(csv);

    let agreeA = 0;
    let taggedPool = 0;
    let tags = 0;
    for (const row of rows) {
      const a = Number(row.user_seg_a.slice(1));
      const b = Number(row.user_seg_b.slice(1));
      expect((a + b) % 4).toBe(Number(row.true_population));
      if (a === Number(row.true_population)) agreeA++;
      const k = Number(row.true_interest) % 3;
      for (const tag of row.interests.split("|")) {
        const id = Number(tag.slice(1));
        tags++;
        if (id >= 4 * k && id < 4 * k + 4) taggedPool++;
      }
    }

    // One field alone is a uniform draw: it names the population 1 time in 4.
    expect(agreeA / rows.length).toBeGreaterThan(0.23);
    expect(agreeA / rows.length).toBeLessThan(0.27);

    // Tags come from the pool of the index inside the population with
    // probability 0.8 + 0.2 * 4 / 48.
    expect(taggedPool / tags).toBeGreaterThan(0.8);
    expect(taggedPool / tags).toBeLessThan(0.85);

    // The device no longer hints at the population.
    const share = (population: string) => {
      const subset = rows.filter((r) => r.true_population === population);
      return subset.filter((r) => r.device === "ios").length / subset.length;
    };
    expect(Math.abs(share("0") - share("1"))).toBeLessThan(0.05);
  });

  it("gives each cell a zero-mean taste", () => {
    for (const group of [0, 1]) {
      for (let population = 0; population < 4; population++) {
        const tastes = Array.from({ length: 12 }, (_, c) =>
          cellTaste(group, population, c),
        );
        expect(tastes.filter((t) => t === TASTE_EFFECT)).toHaveLength(4);
        expect(tastes.reduce((sum, t) => sum + t, 0)).toBeCloseTo(0, 12);
      }
    }
    // The other group likes the opposite half of the circle.
    expect(cellTaste(0, 0, 0)).toBe(TASTE_EFFECT);
    expect(cellTaste(1, 0, 0)).toBe(-TASTE_EFFECT / 2);
    expect(cellTaste(1, 0, 6)).toBe(TASTE_EFFECT);
  });

  it("nests interests inside populations", () => {
    for (const row of parse(text(2000, 3))) {
      expect(Math.floor(Number(row.true_interest) / 3)).toBe(
        Number(row.true_population),
      );
    }
    expect(isPreferred(7, 7)).toBe(true);
    expect(isPreferred(7, 0)).toBe(true);
    expect(isPreferred(7, 1)).toBe(false);
  });

  it("flips the population effect across scenario groups", () => {
    const rows = parse(text(40000, 5));
    const ctr = (group: string, population: string) => {
      const subset = rows.filter(
        (r) =>
          r.true_scenario_group === group && r.true_population === population,
      );
      return subset.filter((r) => r.is_click === "1").length / subset.length;
    };
    expect(ctr("0", "0")).toBeGreaterThan(ctr("0", "1") + 0.2);
    expect(ctr("1", "0")).toBeLessThan(ctr("1", "1") - 0.2);
  });

  it("writes a file the data stage reads", async () => {
    const path = tempFile("synth.csv", "");
    const summary = await writeSyntheticCsv(path, {
      rows: 3000,
      seed: 2,
      users: 300,
      items: 100,
    });
    expect(summary.rows).toBe(3000);
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(3002);
    const dataset = await openDataset(
      model({
        path,
        label: "is_click",
        features: [
          categorical("user_id"),
          categorical("user_seg_a"),
          categorical("user_seg_b"),
          multi("interests", 3),
          numeric("item_price", { kind: "log1p" }),
        ],
        scenario: { column: "scenario", top: null, minRows: 1 },
        split: { kind: "random", seed: 1, valid: 0.1, test: 0.1 },
      }),
    );
    expect(dataset.preprocessing.scenarios).toHaveLength(6);
    expect(dataset.rows.train + dataset.rows.valid + dataset.rows.test).toBe(
      3000,
    );
    expect(dataset.preprocessing.vocabularies.user_seg_a).toHaveLength(4);
  });
});
