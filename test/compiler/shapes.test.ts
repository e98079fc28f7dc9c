// Shape inference: output widths, exact parameter counts where they are
// known, symbolic ones where they depend on the data.
import path from "node:path";
import { describe, expect, it } from "vitest";

import {
  compileModel,
  formatParams,
  inferShapes,
  totalOf,
} from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

async function summarize(text: string) {
  const dir = writeSpecs({ "spec.hmdn": `import "base.hmdn"\n${text}` });
  const result = await compileModel(path.join(dir, "spec.hmdn"), {
    model: "m",
  });
  expect(result.diagnostics).toEqual([]);
  return inferShapes(result.ir!);
}

describe("inferShapes", () => {
  it("counts a shared bottom exactly", async () => {
    const rows = await summarize(`
      model m extends base {
        backbone shared_bottom { layers [10, 4] }
        task click { tower [3]  towers shared }
      }`);
    // E: five categorical tables of width 8 plus one scalar numeric.
    const input = rows.find((row) => row.block === "input E");
    expect(input?.output).toEqual(["B", 41]);
    const bottom = rows.find((row) => row.block === "shared bottom")!;
    expect(bottom.params).toEqual({
      fixed: 41 * 10 + 10 + 10 * 4 + 4,
      scaled: [],
    });
    expect(bottom.flops).toBe(2 * (41 * 10 + 10 * 4));
    const tower = rows.find((row) => row.block === "task click tower")!;
    expect(tower.params.fixed).toBe(4 * 3 + 3 + 3 * 1 + 1);
  });

  it("keeps vocabulary rows and scenarios symbolic", async () => {
    const rows = await summarize(`model m extends base {}`);
    const table = rows.find((row) => row.block === "table user_id")!;
    expect(formatParams(table.params)).toBe("rows(user_id) x 8");
    const towers = rows.find((row) => row.block === "task click towers")!;
    expect(formatParams(towers.params)).toBe("P x 1,153");
    expect(formatParams(totalOf(rows).params)).toMatch(
      /^[\d,]+ \+ rows\(5 tables\) x 8 \+ P x [\d,]+$/,
    );
  });

  it("counts hashed tables exactly", async () => {
    const rows = await summarize(`
      features hashed extends tiny { group user { categorical user_id { hash 100 } } }
      model m extends base { features hashed }`);
    const table = rows.find((row) => row.block === "table user_id")!;
    expect(table.params).toEqual({ fixed: 102 * 8, scaled: [] });
  });

  it("sizes the quantizer and its views", async () => {
    const rows = await summarize(`
      model m extends base { hierarchy { levels 3  codebook 4  dim 2  codebooks per_level } }`);
    const quantizer = rows.find((row) => row.block.startsWith("quantizer"))!;
    expect(quantizer.block).toBe("quantizer D=3 K=4");
    expect(quantizer.params.fixed).toBe(3 * 4 * 2);
    // The explicit view reads tab, age and gender: 3 tables of width 8.
    const explicit = rows.find(
      (row) => row.block === "hierarchy explicit view",
    )!;
    expect(explicit.params.fixed).toBe(24 * 2 + 2);
  });

  it("counts the hidden layers of the views", async () => {
    const rows = await summarize(`
      model m extends base { hierarchy { view_layers [5, 3]  dim 2 } }`);
    const view = (name: string) =>
      rows.find((row) => row.block === `hierarchy ${name} view`)!;
    // explicit: 24 columns -> 5 -> 3 -> 2.
    expect(view("explicit").params.fixed).toBe(
      24 * 5 + 5 + 5 * 3 + 3 + 3 * 2 + 2,
    );
    expect(view("explicit").flops).toBe(2 * (24 * 5 + 5 * 3 + 3 * 2));
    // implicit: all 41 columns. The fusion of the two views stays linear.
    expect(view("implicit").params.fixed).toBe(
      41 * 5 + 5 + 5 * 3 + 3 + 3 * 2 + 2,
    );
    const fusion = rows.find((row) => row.block === "hierarchy view fusion")!;
    expect(fusion.params.fixed).toBe(4 * 2 + 2);
  });
});
