/**
 * Normalised mutual information between two labelings of the same rows,
 * for comparing learned codes with planted group labels.
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
  if (a.length !== b.length) {
    throw new RangeError(
      `nmi: labelings have ${a.length} and ${b.length} rows`,
    );
  }
  const n = a.length;
  if (n === 0) return 1;
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
  if (countA.size === 1 && countB.size === 1) return 1;
  if (ha === 0 || hb === 0) return 0;
  let mutual = 0;
  for (const [x, row] of joint) {
    const px = countA.get(x)! / n;
    for (const [y, count] of row) {
      const pxy = count / n;
      mutual += pxy * Math.log(pxy / (px * (countB.get(y)! / n)));
    }
  }
  // Rounding can push the ratio a hair past 1 for identical partitions.
  return Math.min(1, Math.max(0, mutual / ((ha + hb) / 2)));
}
