/**
 * Exact ranking and calibration metrics over a whole evaluation set. They
 * sort every score once (never average over batches) and run in float64.
 */

/** Probabilities are clipped to [LOGLOSS_EPSILON, 1 - LOGLOSS_EPSILON] in `logloss`. */
export const LOGLOSS_EPSILON = 1e-7;

/**
 * Returns the weighted ROC AUC: the probability that a random positive
 * scores above a random negative, ties counting one half, each pair
 * weighted by the product of the two row weights. Returns `null` when the
 * positives or the negatives have no weight. Rows of weight 0 do not count.
 * Labels are 0 or 1 (anything > 0.5 is a positive). Throws a RangeError
 * for a NaN score, which has no rank.
 */
export function auc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number | null {
  const n = scores.length;
  const order = new Uint32Array(n);
  let used = 0;
  for (let i = 0; i < n; i++) {
    if (weights !== undefined && !(weights[i] > 0)) continue;
    if (Number.isNaN(scores[i])) {
      throw new RangeError(`auc: score ${i} is NaN`);
    }
    order[used++] = i;
  }
  const kept = order.subarray(0, used);
  kept.sort((a, b) => scores[a] - scores[b]);
  return aucOfSorted(kept, scores, labels, weights);
}

/** AUC of rows already sorted by ascending score. */
function aucOfSorted(
  order: Uint32Array,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
): number | null {
  let negativesBelow = 0;
  let totalPositive = 0;
  let area = 0;
  let i = 0;
  while (i < order.length) {
    // One group of tied scores: positives in it beat every negative below
    // and tie with the negatives inside the group.
    const score = scores[order[i]];
    let groupPositive = 0;
    let groupNegative = 0;
    while (i < order.length && scores[order[i]] === score) {
      const row = order[i];
      const weight = weights === undefined ? 1 : weights[row];
      if (labels[row] > 0.5) groupPositive += weight;
      else groupNegative += weight;
      i++;
    }
    area += groupPositive * (negativesBelow + 0.5 * groupNegative);
    negativesBelow += groupNegative;
    totalPositive += groupPositive;
  }
  if (totalPositive === 0 || negativesBelow === 0) return null;
  return area / (totalPositive * negativesBelow);
}

/**
 * Returns the weighted mean binary cross-entropy, with probabilities
 * clipped to [1e-7, 1 - 1e-7] so the result is finite for scores of 0 and
 * 1. Returns `null` when the rows have no weight.
 */
export function logloss(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number | null {
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < scores.length; i++) {
    const weight = weights === undefined ? 1 : weights[i];
    if (!(weight > 0)) continue;
    const p = Math.min(
      1 - LOGLOSS_EPSILON,
      Math.max(LOGLOSS_EPSILON, scores[i]),
    );
    const y = labels[i] > 0.5 ? 1 : 0;
    total -= weight * (y === 1 ? Math.log(p) : Math.log(1 - p));
    weightSum += weight;
  }
  return weightSum > 0 ? total / weightSum : null;
}

/** The result of `gauc`. */
export interface GaucResult {
  /** The impression-weighted mean of per-group AUC, or `null` when every group was skipped. */
  readonly gauc: number | null;
  /** Groups that entered the mean. */
  readonly groups: number;
  /** Groups left out because their rows are all positive or all negative. */
  readonly skippedGroups: number;
}

/**
 * Returns the group AUC: the AUC of each group (e.g. each user) weighted
 * by the group's impressions (the sum of its row weights), skipping groups
 * with a single class. Rows of weight 0 do not count.
 */
export function gauc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<number | string>,
  weights?: ArrayLike<number>,
): GaucResult {
  const members = new Map<number | string, number[]>();
  for (let i = 0; i < scores.length; i++) {
    if (weights !== undefined && !(weights[i] > 0)) continue;
    const key = groups[i];
    let list = members.get(key);
    if (list === undefined) {
      list = [];
      members.set(key, list);
    }
    list.push(i);
  }
  let sum = 0;
  let impressions = 0;
  let used = 0;
  let skipped = 0;
  for (const rows of members.values()) {
    const order = Uint32Array.from(rows);
    order.sort((a, b) => scores[a] - scores[b]);
    const value = aucOfSorted(order, scores, labels, weights);
    if (value === null) {
      skipped++;
      continue;
    }
    let weight = 0;
    for (const row of rows) weight += weights === undefined ? 1 : weights[row];
    sum += weight * value;
    impressions += weight;
    used++;
  }
  return {
    gauc: used > 0 ? sum / impressions : null,
    groups: used,
    skippedGroups: skipped,
  };
}
