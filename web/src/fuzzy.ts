// Fuzzy matching of room names, as the terminal client's Ctrl+K does (crates/tui/src/keys.rs):
// the query's letters in order, anywhere in the name, ignoring case and spaces.

/**
 * How well `query` matches `label` as a subsequence: lower is better, null is no match. Letters
 * matched early and next to each other score best; longer names a little worse.
 */
export function fuzzyScore(query: string, label: string): number | null {
  const name = [...label.toLowerCase()];
  let score = 0;
  let at = 0;
  let last = -1;
  for (const q of query.toLowerCase()) {
    if (/\s/.test(q)) continue;
    const found = name.indexOf(q, at);
    if (found < 0) return null;
    score += last < 0 ? found : found - last - 1;
    last = found;
    at = found + 1;
  }
  return score * 4 + Math.floor(name.length / 8);
}

/** The items whose label matches `query`, best first (ties keep their order); all of them, as
 * they are, for a blank query. */
export function fuzzyFilter<T>(items: T[], query: string, label: (item: T) => string): T[] {
  if (!query.trim()) return items;
  return items
    .map((item, i) => ({ item, i, score: fuzzyScore(query, label(item)) }))
    .filter((x): x is { item: T; i: number; score: number } => x.score !== null)
    .sort((a, b) => a.score - b.score || a.i - b.i)
    .map((x) => x.item);
}
