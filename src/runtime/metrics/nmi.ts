/**
 * Agreement between two labelings of the same rows, for comparing learned
 * codes with planted group labels: normalised mutual information, and the
 * homogeneity of the codes with respect to the labels.
 */

/**
 * Returns `I(a; b) / ((H(a) + H(b)) / 2)` (the arithmetic normalisation),
 * from 0 (independent) to 1 (the same partition up to renaming), using
 * natural logarithms. When both labelings are constant it returns 1, and
 * when only one is, 0. Throws when the lengths differ.
 */
export function nmi(
  a: ArrayLike<number | string>,
  b: ArrayLike<number | string>,
): number {
  const { n, ha, hb, mutual, sizeA, sizeB } = information("nmi", a, b);
  if (n === 0) return 1;
  if (sizeA === 1 && sizeB === 1) return 1;
  if (ha === 0 || hb === 0) return 0;
  // Rounding can push the ratio a hair past 1 for identical partitions.
  return Math.min(1, Math.max(0, mutual / ((ha + hb) / 2)));
}

/**
 * Returns the homogeneity of `codes` with respect to `labels`,
 * `1 - H(labels | codes) / H(labels)` = `I / H(labels)`: 1 when every code
 * contains rows of one label only, however finely the codes split a label,
 * and 0 when the codes and the labels are independent. NMI, by contrast,
 * also penalises codes finer than the labels, so 32 pure codes over 2
 * groups score well below 1. Constant labels give 1. Throws when the
 * lengths differ.
 */
export function homogeneity(
  codes: ArrayLike<number | string>,
  labels: ArrayLike<number | string>,
): number {
  const { n, hb, mutual } = information("homogeneity", codes, labels);
  if (n === 0 || hb === 0) return 1;
  return Math.min(1, Math.max(0, mutual / hb));
}

/** Entropies (natural logarithms) and mutual information of two labelings. */
function information(
  caller: string,
  a: ArrayLike<number | string>,
  b: ArrayLike<number | string>,
): {
  n: number;
  ha: number;
  hb: number;
  mutual: number;
  sizeA: number;
  sizeB: number;
} {
  if (a.length !== b.length) {
    throw new RangeError(
      `${caller}: labelings have ${a.length} and ${b.length} rows`,
    );
  }
  const n = a.length;
  const countA = new Map<number | string, number>();
  const countB = new Map<number | string, number>();
  const joint = new Map<number | string, Map<number | string, number>>();
  for (let i = 0; i < n; i++) {
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
    let row = joint.get(a[i]);
    if (row === undefined) {
      row = new Map();
      joint.set(a[i], row);
    }
    row.set(b[i], (row.get(b[i]) ?? 0) + 1);
  }
  const entropy = (counts: Map<number | string, number>): number => {
    let h = 0;
    for (const count of counts.values()) h -= (count / n) * Math.log(count / n);
    return h;
  };
  const ha = entropy(countA);
  const hb = entropy(countB);
  let mutual = 0;
  for (const [x, row] of joint) {
    const px = countA.get(x)! / n;
    for (const [y, count] of row) {
      const pxy = count / n;
      mutual += pxy * Math.log(pxy / (px * (countB.get(y)! / n)));
    }
  }
  return { n, ha, hb, mutual, sizeA: countA.size, sizeB: countB.size };
}
