/**
 * Lowers `backbone KIND { .. }` into the IR, with the kind's defaults, the
 * hierarchy use it allows, and the PEPNet gate features.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { CheckedBlock } from "./decode.js";
import {
  emptyBlock,
  placeOf,
  type LoweringContext,
  type Place,
} from "./context.js";
import type {
  Activation,
  BackboneIr,
  DatasetIr,
  HierarchyIr,
  HierarchyUse,
  Norm,
} from "./ir.js";
import type { FeatureSet } from "./lower-data.js";
import {
  distributionFeatures,
  requireScenario,
  resolveFeatures,
} from "./model-references.js";
import {
  backboneSignatures,
  hierarchyUses,
  type BackboneKind,
} from "./signatures.js";

/** Lowers the `backbone` entry of a model, checking its hierarchy use. */
export function lowerBackbone(
  model: CheckedBlock,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  hierarchy: HierarchyIr | null,
  declared: Place,
  context: LoweringContext,
): BackboneIr | null {
  const kind = model.value("backbone") as BackboneKind | null;
  if (kind === null) return null;
  const place = placeOf(model, "backbone", declared);
  const block =
    model.block("backbone") ?? emptyBlock(backboneSignatures[kind], place.file);
  const hierarchyUse = lowerHierarchyUse(
    kind,
    block,
    hierarchy,
    place,
    context,
  );
  context.mark("backbone", place);
  const base = {
    id: "backbone",
    activation: block.value("activation") as Activation,
    dropout: block.value("dropout") as number,
    norm: block.value("norm") as Norm,
    hierarchyUse,
  };
  const number = (key: string): number => block.value(key) as number;
  const list = (key: string): number[] => block.value(key) as number[];
  if ((kind === "star" || kind === "m2m") && dataset.scenario === null) {
    requireScenario(context, place, `backbone \`${kind}\``, dataset.name);
  }
  switch (kind) {
    case "shared_bottom":
      return { ...base, kind, layers: list("layers") };
    case "mmoe":
      return {
        ...base,
        kind,
        experts: number("experts"),
        expertLayers: list("expert_layers"),
      };
    case "ple":
      return {
        ...base,
        kind,
        levels: number("levels"),
        sharedExperts: number("shared_experts"),
        specificExperts: number("specific_experts"),
        expertLayers: list("expert_layers"),
      };
    case "star":
      return {
        ...base,
        kind,
        layers: list("layers"),
        partitionedNorm: block.value("partitioned_norm") as boolean,
        auxiliaryLayers: list("auxiliary_layers"),
      };
    case "m2m":
      return {
        ...base,
        kind,
        experts: number("experts"),
        expertLayers: list("expert_layers"),
        scenarioDim: number("scenario_dim"),
        metaLayers: list("meta_layers"),
      };
    case "apg": {
      const condition = block.value("condition") as
        | "scenario"
        | "input"
        | "both";
      if (condition !== "input" && dataset.scenario === null) {
        requireScenario(
          context,
          placeOf(block, "condition", place),
          `\`condition ${condition}\``,
          dataset.name,
        );
      }
      return {
        ...base,
        kind,
        layers: list("layers"),
        rank: number("rank"),
        condition,
        scenarioDim: number("scenario_dim"),
      };
    }
    case "pepnet":
      return lowerPepnet(block, base, dataset, featureSet, place, context);
  }
}

function lowerPepnet(
  block: CheckedBlock,
  base: Omit<BackboneIr, "kind">,
  dataset: DatasetIr,
  featureSet: FeatureSet,
  place: Place,
  context: LoweringContext,
): BackboneIr {
  const epnet = block.value("epnet") as boolean;
  const ppnet = block.value("ppnet") as boolean;
  const epnetFeatures = block.has("epnet_features")
    ? resolveFeatures(
        block,
        "epnet_features",
        featureSet,
        false,
        place,
        context,
      )
    : distributionFeatures(dataset, featureSet);
  const ppnetFeatures = block.has("ppnet_features")
    ? resolveFeatures(
        block,
        "ppnet_features",
        featureSet,
        false,
        place,
        context,
      )
    : featureSet.features
        .filter(
          (entry) =>
            entry.feature.kind === "categorical" &&
            entry.feature.column.endsWith("_id"),
        )
        .map((entry) => entry.feature.name);
  const gates: [boolean, string, string[]][] = [
    [epnet, "epnet_features", epnetFeatures],
    [ppnet, "ppnet_features", ppnetFeatures],
  ];
  for (const [enabled, key, features] of gates) {
    if (!enabled || features.length > 0 || block.has(key)) continue;
    context.report(
      diagnostic("HMD2036", {
        ...place,
        message: `the default \`${key}\` of \`pepnet\` is empty for this model`,
        help: `list features with \`${key} a, b\` or turn the gate off with \`${key.replace("_features", "")} false\``,
      }),
    );
  }
  return {
    ...base,
    kind: "pepnet",
    layers: block.value("layers") as number[],
    epnet,
    ppnet,
    gateHidden: block.value("gate_hidden") as number,
    epnetFeatures,
    ppnetFeatures,
    scenarioDim: block.value("scenario_dim") as number,
  };
}

function lowerHierarchyUse(
  kind: BackboneKind,
  block: CheckedBlock,
  hierarchy: HierarchyIr | null,
  place: Place,
  context: LoweringContext,
): HierarchyUse {
  const written = block.value("hierarchy") as HierarchyUse | null;
  const allowed = hierarchyUses[kind];
  if (written === null)
    return hierarchy === null ? "off" : (allowed[0] as HierarchyUse);
  const writtenPlace = placeOf(block, "hierarchy", place);
  if (!allowed.includes(written)) {
    context.report(
      diagnostic("HMD2027", {
        ...writtenPlace,
        message: `backbone \`${kind}\` cannot use the hierarchy as \`${written}\``,
        label: "not supported by this backbone",
        help: `\`${kind}\` supports ${allowed.map((use) => `\`${use}\``).join(", ")}`,
      }),
    );
    return "off";
  }
  if (hierarchy === null && written !== "off") {
    context.report(
      diagnostic("HMD2028", {
        ...writtenPlace,
        message: `\`hierarchy ${written}\` needs a \`hierarchy { .. }\` block in the model`,
        label: "no hierarchy to use",
        help: "add `hierarchy { .. }` to the model, or remove this line",
      }),
    );
  }
  return hierarchy === null ? "off" : written;
}
