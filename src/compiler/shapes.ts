/**
 * Shape inference over a model IR: per block, the output shape, the
 * parameter count and an estimate of the FLOPs per sample, for the
 * `compile` summary table and the editor's hover.
 *
 * Counts that depend on the data are kept symbolic: a vocabulary table has
 * `rows(TABLE) x dim` parameters (its rows are known only once the
 * vocabulary is built) and per-scenario parts scale with `P`, the number
 * of scenarios. FLOPs count a multiply-add as 2 and include only dense
 * layers and the quantizer's distances. They are estimates of the work the
 * runtime does, not measurements.
 */

import type { BackboneIr, ModelIr, TableIr } from "./ir.js";

/** A parameter count: a known part plus terms that scale with the data. */
export interface ParamCount {
  readonly fixed: number;
  /** `count` parameters per unit of `factor` (`rows(user_id)` or `P`). */
  readonly scaled: readonly {
    readonly factor: string;
    readonly count: number;
  }[];
}

/** One row of the summary. */
export interface BlockSummary {
  /** The IR id of the node the block belongs to. */
  readonly id: string;
  /** The block's label, e.g. `table user_id`, `4 experts`, `task click tower`. */
  readonly block: string;
  /** Output shape; `B` is the batch size. */
  readonly output: readonly (number | string)[];
  readonly params: ParamCount;
  /** Estimated floating-point operations per sample. */
  readonly flops: number;
}

/**
 * Hidden width assumed for the `modulate` gate of backbones other than
 * PEPNet, whose IR does not carry one.
 */
// Limitation: the runtime chooses this width; the FLOPs and parameters of
// the modulate gate are estimates until the IR carries it.
export const MODULATE_HIDDEN = 64;

const none: ParamCount = { fixed: 0, scaled: [] };

function fixed(count: number): ParamCount {
  return { fixed: count, scaled: [] };
}

function scaled(factor: string, count: number, known = 0): ParamCount {
  return { fixed: known, scaled: count === 0 ? [] : [{ factor, count }] };
}

function add(...counts: ParamCount[]): ParamCount {
  const byFactor = new Map<string, number>();
  for (const count of counts) {
    for (const term of count.scaled) {
      byFactor.set(term.factor, (byFactor.get(term.factor) ?? 0) + term.count);
    }
  }
  return {
    fixed: counts.reduce((sum, count) => sum + count.fixed, 0),
    scaled: [...byFactor].map(([factor, count]) => ({ factor, count })),
  };
}

/** Counts the parameters and FLOPs of a dense stack `input -> widths`. */
function mlp(
  input: number,
  widths: readonly number[],
): { params: number; flops: number; output: number } {
  let params = 0;
  let flops = 0;
  let width = input;
  for (const next of widths) {
    params += width * next + next;
    flops += 2 * width * next;
    width = next;
  }
  return { params, flops, output: width };
}

/**
 * Renders a parameter count, e.g. `12,481 + rows(user_id) x 16 + P x 4,225`.
 * Vocabulary terms of the same width are summed into one, such as
 * `rows(25 tables) x 16`, so totals stay readable.
 */
export function formatParams(count: ParamCount): string {
  const format = (value: number) => value.toLocaleString("en-US");
  const parts =
    count.fixed > 0 || count.scaled.length === 0 ? [format(count.fixed)] : [];
  const tablesByWidth = new Map<number, string[]>();
  for (const term of count.scaled) {
    if (!term.factor.startsWith("rows(")) continue;
    tablesByWidth.set(term.count, [
      ...(tablesByWidth.get(term.count) ?? []),
      term.factor,
    ]);
  }
  for (const [width, factors] of tablesByWidth) {
    const factor =
      factors.length === 1 ? factors[0] : `rows(${factors.length} tables)`;
    parts.push(`${factor} x ${format(width)}`);
  }
  for (const term of count.scaled) {
    if (!term.factor.startsWith("rows("))
      parts.push(`${term.factor} x ${format(term.count)}`);
  }
  return parts.join(" + ");
}

function tableParams(table: TableIr): ParamCount {
  switch (table.vocabulary.kind) {
    case "vocabulary":
      return scaled(`rows(${table.name})`, table.dim);
    case "hash":
    case "buckets":
      // Rows 0 and 1 are the missing and OOV rows.
      return fixed((table.vocabulary.buckets + 2) * table.dim);
  }
}

/** Infers the summary rows of a model, input first and tasks last. */
export function inferShapes(ir: ModelIr): BlockSummary[] {
  const rows: BlockSummary[] = [];
  const dims = new Map(ir.tables.map((table) => [table.name, table.dim]));
  const widthOf = new Map<string, number>();
  for (const feature of ir.features) {
    const table =
      feature.kind === "numeric"
        ? feature.transform.kind === "buckets"
          ? feature.transform.table
          : null
        : feature.table;
    widthOf.set(feature.name, table === null ? 1 : (dims.get(table) ?? 0));
  }
  for (const table of ir.tables) {
    rows.push({
      id: table.id,
      block: `table ${table.name}`,
      output: ["B", table.dim],
      params: tableParams(table),
      flops: 0,
    });
  }
  const inputWidth = [...widthOf.values()].reduce(
    (sum, width) => sum + width,
    0,
  );
  rows.push({
    id: "model",
    block: "input E",
    output: ["B", inputWidth],
    params: none,
    flops: 0,
  });

  const width = (names: readonly string[]): number =>
    names.reduce((sum, name) => sum + (widthOf.get(name) ?? 0), 0);
  const hierarchy = ir.hierarchy;
  const codeDim = hierarchy?.codeDim ?? 0;
  if (hierarchy !== null) rows.push(...hierarchyRows(ir, width));

  const use = ir.backbone.hierarchyUse;
  if (use === "modulate" || use === "modulate_condition") {
    const hidden =
      ir.backbone.kind === "pepnet" ? ir.backbone.gateHidden : MODULATE_HIDDEN;
    const gate = mlp(codeDim + inputWidth, [hidden, inputWidth]);
    rows.push({
      id: "backbone",
      block: "modulate gate",
      output: ["B", inputWidth],
      params: fixed(gate.params),
      flops: gate.flops,
    });
  }
  const backbone = backboneRows(
    ir,
    ir.backbone,
    inputWidth,
    width,
    use === "gates" ? codeDim : 0,
    use.endsWith("condition") ? codeDim : 0,
  );
  rows.push(...backbone.rows);

  for (const task of ir.tasks) {
    const tower = mlp(backbone.output, [...task.tower, 1]);
    rows.push({
      id: task.id,
      block: `task ${task.name} tower${task.towers === "per_scenario" ? "s" : ""}`,
      output: ["B", 1],
      params:
        task.towers === "per_scenario"
          ? scaled("P", tower.params)
          : fixed(tower.params),
      flops: tower.flops,
    });
  }
  return rows;
}

function hierarchyRows(
  ir: ModelIr,
  width: (names: readonly string[]) => number,
): BlockSummary[] {
  const hierarchy = ir.hierarchy!;
  const rows: BlockSummary[] = [];
  const out = ["B", hierarchy.codeDim];
  for (const [view, names] of [
    ["explicit", hierarchy.explicit],
    ["implicit", hierarchy.implicit],
  ] as const) {
    if (names.length === 0) continue;
    const layers = mlp(width(names), [
      ...hierarchy.viewLayers,
      hierarchy.codeDim,
    ]);
    rows.push({
      id: "hierarchy",
      block: `hierarchy ${view} view`,
      output: out,
      params: fixed(layers.params),
      flops: layers.flops,
    });
  }
  if (hierarchy.view === "both") {
    const fuse = mlp(2 * hierarchy.codeDim, [hierarchy.codeDim]);
    rows.push({
      id: "hierarchy",
      block: "hierarchy view fusion",
      output: out,
      params: fixed(fuse.params),
      flops: fuse.flops,
    });
  }
  const books = hierarchy.codebooks === "shared" ? 1 : hierarchy.levels;
  rows.push({
    id: "hierarchy",
    block: `quantizer D=${hierarchy.levels} K=${hierarchy.codebookSize}`,
    output: out,
    params: fixed(books * hierarchy.codebookSize * hierarchy.codeDim),
    // Per level: a squared distance to every code (subtract, square, add).
    flops: 3 * hierarchy.levels * hierarchy.codebookSize * hierarchy.codeDim,
  });
  return rows;
}

interface BackboneResult {
  readonly rows: BlockSummary[];
  /** Width each task tower reads. */
  readonly output: number;
}

function backboneRows(
  ir: ModelIr,
  backbone: BackboneIr,
  input: number,
  width: (names: readonly string[]) => number,
  gateExtra: number,
  conditionExtra: number,
): BackboneResult {
  const tasks = ir.tasks.length;
  const perScenario = ir.tasks.some((task) => task.towers === "per_scenario");
  const row = (
    block: string,
    output: number,
    params: ParamCount,
    flops: number,
  ): BlockSummary => ({
    id: "backbone",
    block,
    output: ["B", output],
    params,
    flops,
  });
  // Gate units: one per task, and per scenario when towers are per scenario.
  const units = (count: number): ParamCount =>
    perScenario ? scaled("P", tasks * count) : fixed(tasks * count);
  switch (backbone.kind) {
    case "shared_bottom": {
      const body = mlp(input, backbone.layers);
      return {
        rows: [
          row("shared bottom", body.output, fixed(body.params), body.flops),
        ],
        output: body.output,
      };
    }
    case "mmoe": {
      const expert = mlp(input, backbone.expertLayers);
      const gate = mlp(input + gateExtra, [backbone.experts]);
      return {
        rows: [
          row(
            `${backbone.experts} experts`,
            expert.output,
            fixed(expert.params * backbone.experts),
            expert.flops * backbone.experts,
          ),
          row(
            "gates",
            backbone.experts,
            units(gate.params),
            gate.flops * tasks,
          ),
        ],
        output: expert.output,
      };
    }
    case "ple": {
      const rows: BlockSummary[] = [];
      let levelInput = input;
      let output = input;
      for (let level = 1; level <= backbone.levels; level++) {
        const expert = mlp(levelInput, backbone.expertLayers);
        const gate = mlp(input + gateExtra, [
          backbone.specificExperts + backbone.sharedExperts,
        ]);
        const params = add(
          fixed(expert.params * backbone.sharedExperts),
          units(expert.params * backbone.specificExperts),
          units(gate.params),
        );
        const flops =
          expert.flops *
            (backbone.sharedExperts + tasks * backbone.specificExperts) +
          gate.flops * tasks;
        rows.push(
          row(`level ${level} experts and gates`, expert.output, params, flops),
        );
        levelInput = expert.output;
        output = expert.output;
      }
      return { rows, output };
    }
    case "star": {
      const body = mlp(input, backbone.layers);
      const auxiliary = mlp(conditionExtra, [...backbone.auxiliaryLayers, 1]);
      const firstAuxiliary = backbone.auxiliaryLayers[0] ?? 1;
      const norm = backbone.partitionedNorm ? 2 * input : 0;
      return {
        rows: [
          row(
            "star layers (shared x scenario)",
            body.output,
            scaled("P", body.params + norm, body.params + norm),
            body.flops + body.params,
          ),
          row(
            "auxiliary network",
            1,
            scaled("P", firstAuxiliary, auxiliary.params),
            auxiliary.flops + 2 * firstAuxiliary,
          ),
        ],
        output: body.output,
      };
    }
    case "m2m": {
      const expert = mlp(input, backbone.expertLayers);
      const condition = backbone.scenarioDim + conditionExtra;
      const attention = mlp(condition, [backbone.experts]);
      const meta = mlp(expert.output, backbone.metaLayers);
      // The meta tower's weights are generated from the scenario representation.
      const generator = condition * meta.params;
      return {
        rows: [
          row(
            "scenario embedding",
            backbone.scenarioDim,
            scaled("P", backbone.scenarioDim),
            0,
          ),
          row(
            `${backbone.experts} experts`,
            expert.output,
            fixed(expert.params * backbone.experts),
            expert.flops * backbone.experts,
          ),
          row(
            "meta attention",
            expert.output,
            fixed(attention.params),
            attention.flops + 2 * backbone.experts * expert.output,
          ),
          row(
            "meta tower",
            meta.output,
            fixed(generator),
            2 * generator + meta.flops,
          ),
        ],
        output: meta.output,
      };
    }
    case "apg": {
      const condition =
        (backbone.condition === "input" ? 0 : backbone.scenarioDim) +
        (backbone.condition === "scenario" ? 0 : input) +
        conditionExtra;
      let params = 0;
      let flops = 0;
      let layerInput = input;
      const rank = backbone.rank;
      for (const layer of backbone.layers) {
        params +=
          layerInput * rank +
          rank * layer +
          layer +
          condition * rank * rank +
          rank * rank;
        flops +=
          2 *
          (layerInput * rank +
            rank * rank +
            rank * layer +
            condition * rank * rank);
        layerInput = layer;
      }
      const rows = [row("adaptive layers", layerInput, fixed(params), flops)];
      if (backbone.condition !== "input") {
        rows.unshift(
          row(
            "scenario embedding",
            backbone.scenarioDim,
            scaled("P", backbone.scenarioDim),
            0,
          ),
        );
      }
      return { rows, output: layerInput };
    }
    case "pepnet": {
      const rows: BlockSummary[] = [
        row(
          "scenario embedding",
          backbone.scenarioDim,
          scaled("P", backbone.scenarioDim),
          0,
        ),
      ];
      if (backbone.epnet) {
        const gate = mlp(
          width(backbone.epnetFeatures) +
            input +
            backbone.scenarioDim +
            conditionExtra,
          [backbone.gateHidden, input],
        );
        rows.push(row("EPNet gate", input, fixed(gate.params), gate.flops));
      }
      const body = mlp(input, backbone.layers);
      rows.push(row("layers", body.output, fixed(body.params), body.flops));
      if (backbone.ppnet) {
        let params = 0;
        let flops = 0;
        let layerInput = input;
        for (const layer of backbone.layers) {
          const gate = mlp(width(backbone.ppnetFeatures) + input, [
            backbone.gateHidden,
            layerInput,
          ]);
          params += gate.params;
          flops += gate.flops;
          layerInput = layer;
        }
        rows.push(row("PPNet gates", body.output, fixed(params), flops));
      }
      return { rows, output: body.output };
    }
  }
}

/** Sums the rows into one total. */
export function totalOf(rows: readonly BlockSummary[]): {
  params: ParamCount;
  flops: number;
} {
  return {
    params: add(...rows.map((row) => row.params)),
    flops: rows.reduce((sum, row) => sum + row.flops, 0),
  };
}
