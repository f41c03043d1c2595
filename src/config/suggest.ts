/** "Did you mean" suggestions for unknown configuration keys. */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("prot"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 3 ? 1 : Math.min(3, Math.max(2, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The reason text for an unknown key: a suggestion when one is close, else the known keys. */
export function unknownKeyReason(
  key: string,
  known: readonly string[],
  what = 'key',
  knownLabel = 'known keys',
): string {
  const guess = closest(key, known);
  if (guess !== undefined) return `unknown ${what} (did you mean "${guess}"?)`;
  if (known.length === 0) return `unknown ${what} (no ${knownLabel})`;
  return `unknown ${what} (${knownLabel}: ${known.join(', ')})`;
}
