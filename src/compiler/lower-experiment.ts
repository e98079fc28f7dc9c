/**
 * Lowers an `experiment`: whole models from `models`, diffs from
 * `variant` merged over `base`, and every combination of the `vary`
 * settings applied to each, into one `ExperimentIr`.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkBlock, type CheckedBlock } from "./decode.js";
import { itemPlace, LoweringContext, placeOf, type Place } from "./context.js";
import {
  IR_VERSION,
  type ExperimentIr,
  type ExperimentVariantIr,
  type ModelIr,
} from "./ir.js";
import { lowerModel, type LowerOptions } from "./lower-model.js";
import {
  mergedBody,
  resolveDeclaration,
  type DeclarationRef,
  type Program,
} from "./program.js";
import { formatSetting } from "./signature-types.js";
import { experimentSignature } from "./signatures.js";
import { mergeBlocks, type TreeBlock } from "./tree.js";
import { applyPath, resolveVary, type ResolvedVary } from "./vary.js";

interface Candidate {
  readonly name: string;
  readonly modelName: string;
  readonly body: TreeBlock;
  readonly declared: Place;
}

/** Options of `lowerExperiment`. */
export interface ExperimentLowerOptions extends LowerOptions {
  /** Called with every run's model and its lowering state, e.g. for column checks. */
  readonly onModel?: (model: ModelIr, context: LoweringContext) => void;
}

/** Checks and lowers an experiment; `null` when it has errors. */
export function lowerExperiment(
  program: Program,
  ref: DeclarationRef,
  report: (item: Diagnostic) => void,
  options: ExperimentLowerOptions = {},
): ExperimentIr | null {
  const name = ref.declaration.name.name;
  const declared = { file: ref.file, span: ref.declaration.name.loc };
  const context = new LoweringContext(report);
  const body = mergedBody(program, ref, context.report);
  if (body === null) return null;
  const block = checkBlock(
    body,
    experimentSignature,
    { ...declared, what: `experiment \`${name}\`` },
    context.report,
  );

  const candidates = collectCandidates(program, block, body, declared, context);
  if (candidates === null) return null;
  const varies = body.varies.map((vary) =>
    resolveVary(vary, candidates[0].body, context),
  );
  if (context.errors > 0 || varies.some((vary) => vary === null)) return null;

  const reportedMetrics = block.value("report") as { kind: string }[];
  const reportsGauc = reportedMetrics.some((metric) => metric.kind === "gauc");
  const variants: ExperimentVariantIr[] = [];
  for (const candidate of candidates) {
    for (const combination of combinations(varies as ResolvedVary[])) {
      let variantBody = candidate.body;
      const settings: Record<string, number | string | boolean> = {};
      for (const { vary, index } of combination) {
        const value = vary.values[index];
        variantBody = applyPath(variantBody, vary, value.value);
        settings[vary.path] =
          typeof value.setting === "object" && value.setting !== null
            ? formatSetting(value.setting)
            : (value.setting as number | string | boolean);
      }
      const modelContext = new LoweringContext(context.report);
      const model: ModelIr | null = lowerModel(
        program,
        candidate.modelName,
        variantBody,
        candidate.declared,
        modelContext,
        options,
      );
      if (model === null) return null;
      options.onModel?.(model, modelContext);
      if (reportsGauc && model.evaluate.gaucBy === null) {
        context.report(
          diagnostic("HMD2039", {
            ...placeOf(block, "report", declared),
            message: `\`report\` lists \`gauc\`, but model \`${model.name}\` of run \`${candidate.name}\` computes no \`gauc\``,
            label: "needs `gauc(by: COLUMN)` in the model's `evaluate metrics`",
            help: "add `gauc(by: user_id)` to the model's `evaluate { metrics .. }`, or remove `gauc` from `report`",
          }),
        );
        return null;
      }
      const suffix = Object.entries(settings)
        .map(([path, setting]) => `${path}=${setting}`)
        .join(",");
      const variantName =
        suffix === ""
          ? candidate.name
          : candidates.length === 1 && candidate.name === candidate.modelName
            ? suffix
            : `${candidate.name}/${suffix}`;
      variants.push({ name: variantName, settings, model });
    }
  }

  const seeds = block.value("seeds");
  return {
    irVersion: IR_VERSION,
    kind: "experiment",
    id: `experiment.${name}`,
    name,
    variants,
    seeds:
      typeof seeds === "number"
        ? Array.from({ length: seeds }, (_, index) => index + 1)
        : (seeds as number[]),
    report: {
      metrics: [
        ...new Set(reportedMetrics.map((metric) => metric.kind)),
      ] as ExperimentIr["report"]["metrics"],
      perScenario: block.value("per_scenario") as boolean,
    },
  };
}

function collectCandidates(
  program: Program,
  block: CheckedBlock,
  body: TreeBlock,
  declared: Place,
  context: LoweringContext,
): Candidate[] | null {
  const candidates: Candidate[] = [];
  const models = block.value("models") as string[];
  models.forEach((modelName, index) => {
    const ref = resolveDeclaration(
      program,
      "model",
      modelName,
      itemPlace(block, "models", index, declared),
      context.report,
    );
    const body = ref === null ? null : mergedBody(program, ref, context.report);
    if (ref === null || body === null) return;
    candidates.push({
      name: modelName,
      modelName,
      body,
      declared: { file: ref.file, span: ref.declaration.name.loc },
    });
  });

  const baseName = block.value("base");
  const variants = block.named("variant");
  if (typeof baseName !== "string") {
    if (variants.length > 0 || body.varies.length > 0 || models.length === 0) {
      context.report(
        diagnostic("HMD2032", {
          ...declared,
          message:
            models.length === 0
              ? "the experiment names no `base` and no `models`"
              : "`variant` and `vary` need a `base` model",
          help: "add `base MODEL`, or list whole models with `models [a, b]`",
        }),
      );
      return null;
    }
    return candidates.length === models.length ? candidates : null;
  }
  const baseRef = resolveDeclaration(
    program,
    "model",
    baseName,
    placeOf(block, "base", declared),
    context.report,
  );
  if (baseRef === null) return null;
  const baseBody = mergedBody(program, baseRef, context.report);
  if (baseBody === null) return null;
  const baseDeclared = {
    file: baseRef.file,
    span: baseRef.declaration.name.loc,
  };
  for (const variant of variants) {
    if (variant.entry.block === null) continue;
    candidates.push({
      name: variant.name,
      modelName: baseName,
      body: mergeBlocks(baseBody, variant.entry.block),
      declared: { file: variant.entry.file, span: variant.entry.values[0].loc },
    });
  }
  if (variants.length === 0 && models.length === 0) {
    candidates.push({
      name: baseName,
      modelName: baseName,
      body: baseBody,
      declared: baseDeclared,
    });
  }
  return candidates.length === 0 ? null : candidates;
}

function* combinations(
  varies: readonly ResolvedVary[],
): Generator<{ vary: ResolvedVary; index: number }[]> {
  if (varies.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = varies;
  for (let index = 0; index < first.values.length; index++) {
    for (const tail of combinations(rest))
      yield [{ vary: first, index }, ...tail];
  }
}
