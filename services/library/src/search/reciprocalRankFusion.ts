/** A ranked list from one retriever: ids, best first. */
export type Ranking = readonly string[];

export interface FusedResult {
  id: string;
  score: number;
  /** 1-based rank of the id in each input list (undefined where it was absent). */
  ranks: (number | undefined)[];
}

/**
 * Reciprocal rank fusion: score(d) = Σ weight_i / (k + rank_i(d)). It needs no score
 * calibration between keyword and vector retrievers, which is why it is used here; k = 60 is
 * the value from the original paper and damps the influence of the very top ranks.
 */
export function reciprocalRankFusion(
  rankings: readonly Ranking[],
  options: { k?: number; weights?: readonly number[] } = {},
): FusedResult[] {
  const k = options.k ?? 60;
  const fused = new Map<string, FusedResult>();
  rankings.forEach((ranking, listIndex) => {
    const weight = options.weights?.[listIndex] ?? 1;
    const seen = new Set<string>();
    ranking.forEach((id, position) => {
      if (seen.has(id)) return; // a duplicate counts once, at its best rank
      seen.add(id);
      let entry = fused.get(id);
      if (!entry) {
        entry = { id, score: 0, ranks: rankings.map(() => undefined) };
        fused.set(id, entry);
      }
      entry.score += weight / (k + position + 1);
      entry.ranks[listIndex] = position + 1;
    });
  });
  // Ties keep a stable order: the better best rank first, then the earlier lists' ranks (the
  // first list is the more trusted one), then the id.
  return [...fused.values()].sort(
    (a, b) =>
      b.score - a.score ||
      bestRank(a) - bestRank(b) ||
      byListOrder(a, b) ||
      a.id.localeCompare(b.id),
  );
}

function byListOrder(a: FusedResult, b: FusedResult): number {
  for (let i = 0; i < a.ranks.length; i += 1) {
    const diff =
      (a.ranks[i] ?? Number.POSITIVE_INFINITY) - (b.ranks[i] ?? Number.POSITIVE_INFINITY);
    if (diff !== 0 && Number.isFinite(diff)) return diff;
    if (diff !== 0) return a.ranks[i] === undefined ? 1 : -1;
  }
  return 0;
}

function bestRank(result: FusedResult): number {
  return Math.min(...result.ranks.map((r) => r ?? Number.POSITIVE_INFINITY));
}
