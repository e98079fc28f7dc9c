/**
 * Lookups shared by the model lowering steps: feature and group names,
 * the features that name a distribution, and the scenario requirement.
 */

import { diagnostic } from "../diagnostics/codes.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { CheckedBlock } from "./decode.js";
import { itemPlace, type LoweringContext, type Place } from "./context.js";
import type { DatasetIr } from "./ir.js";
import type { FeatureSet } from "./lower-data.js";

/** Reports a setting that needs a scenario column the dataset lacks. */
export function requireScenario(
  context: LoweringContext,
  place: Place,
  what: string,
  dataset: string,
): void {
  context.report(
    diagnostic("HMD2035", {
      ...place,
      message: `${what} needs a scenario column, but dataset \`${dataset}\` has none`,
      label: "needs a scenario",
      help: "add `scenario COLUMN` to the dataset",
    }),
  );
}

/** Lists the features that read the scenario or a population column. */
export function distributionFeatures(
  dataset: DatasetIr,
  featureSet: FeatureSet,
): string[] {
  const columns = new Set(dataset.populations);
  if (dataset.scenario !== null) columns.add(dataset.scenario.column);
  return featureSet.features
    .filter((entry) => columns.has(entry.feature.column))
    .map((entry) => entry.feature.name);
}

/** Resolves feature (and, when allowed, group) names; reports unknown ones. */
export function resolveFeatures(
  block: CheckedBlock,
  key: string,
  featureSet: FeatureSet,
  groupsAllowed: boolean,
  fallback: Place,
  context: LoweringContext,
): string[] {
  const names = block.value(key) as string[];
  const features = new Set(
    featureSet.features.map((entry) => entry.feature.name),
  );
  const groups = new Map(
    featureSet.groups.map((group) => [group.name, group.features]),
  );
  const result: string[] = [];
  names.forEach((name, index) => {
    if (features.has(name)) {
      result.push(name);
      return;
    }
    const members = groupsAllowed ? groups.get(name) : undefined;
    if (members !== undefined) {
      result.push(...members);
      return;
    }
    const candidates = groupsAllowed
      ? [...features, ...groups.keys()]
      : [...features];
    context.report(
      diagnostic("HMD2003", {
        ...itemPlace(block, key, index, fallback),
        message: `unknown ${groupsAllowed ? "feature or group" : "feature"} \`${name}\``,
        label: "not a grouped feature of this model",
        help:
          didYouMean(suggestSimilar(name, candidates)) ??
          "only features declared inside a `group` can be named here",
      }),
    );
  });
  return [...new Set(result)];
}
