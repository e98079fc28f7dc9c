/**
 * Spelling suggestions for unknown names, shared by every stage so that all
 * "did you mean" help reads the same.
 */

/** The largest number of suggestions any help line offers. */
export const MAX_SUGGESTIONS = 5;

/**
 * Returns the candidates close to `input`, best first, at most
 * `MAX_SUGGESTIONS`. Closeness is the edit distance with adjacent
 * transpositions, ignoring case; a candidate qualifies when the distance is
 * at most 40 % of the input length plus one. A candidate that differs only in
 * case ranks before any other.
 * Ties are broken alphabetically so the output is stable.
 */
export function suggestSimilar(
  input: string,
  candidates: Iterable<string>,
): string[] {
  const threshold = Math.floor(input.length * 0.4) + 1;
  const lowerInput = input.toLowerCase();
  const scored: { name: string; distance: number }[] = [];
  const seen = new Set<string>();

  for (const name of candidates) {
    if (name === input || seen.has(name)) continue;
    seen.add(name);
    const lowerName = name.toLowerCase();
    const distance =
      lowerName === lowerInput ? 0.5 : editDistance(lowerInput, lowerName);
    if (distance <= threshold) scored.push({ name, distance });
  }

  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
  return scored.slice(0, MAX_SUGGESTIONS).map((entry) => entry.name);
}

/**
 * Formats suggestions as a help sentence, e.g. "did you mean `user_age`?" or
 * "did you mean `auc`, `gauc` or `uauc`?". Returns `undefined` for none.
 */
export function didYouMean(suggestions: readonly string[]): string | undefined {
  if (suggestions.length === 0) return undefined;
  const quoted = suggestions.map((name) => `\`${name}\``);
  if (quoted.length === 1) return `did you mean ${quoted[0]}?`;
  const last = quoted.pop();
  return `did you mean ${quoted.join(", ")} or ${last}?`;
}

/**
 * Computes the optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of two adjacent characters each cost 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = [];
  for (let i = 0; i < rows; i++) {
    table.push(new Array<number>(columns).fill(0));
    table[i][0] = i;
  }
  for (let j = 0; j < columns; j++) table[0][j] = j;

  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        table[i - 1][j] + 1,
        table[i][j - 1] + 1,
        table[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, table[i - 2][j - 2] + 1);
      }
      table[i][j] = best;
    }
  }
  return table[rows - 1][columns - 1];
}
