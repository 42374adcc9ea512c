/**
 * Word error rate: (substitutions + deletions + insertions) / reference words, after
 * normalising case, punctuation and hyphens so that "river bank." and "riverbank" differ only
 * by what a reader would count as a word difference.
 */
export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

export interface WerResult {
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
}

export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  // dp[i][j]: [cost, subs, dels, ins] aligning ref[0..i) with hyp[0..j)
  type Cell = [number, number, number, number];
  let prev: Cell[] = Array.from({ length: hyp.length + 1 }, (_, j): Cell => [j, 0, 0, j]);
  for (let i = 1; i <= ref.length; i++) {
    const row: Cell[] = [[i, 0, i, 0]];
    for (let j = 1; j <= hyp.length; j++) {
      const diag = prev[j - 1] as Cell;
      const up = prev[j] as Cell;
      const left = row[j - 1] as Cell;
      const same = ref[i - 1] === hyp[j - 1];
      const candidates: Cell[] = [
        [diag[0] + (same ? 0 : 1), diag[1] + (same ? 0 : 1), diag[2], diag[3]],
        [up[0] + 1, up[1], up[2] + 1, up[3]],
        [left[0] + 1, left[1], left[2], left[3] + 1],
      ];
      row.push(candidates.reduce((best, c) => (c[0] < best[0] ? c : best)));
    }
    prev = row;
  }
  const [cost, substitutions, deletions, insertions] = prev[hyp.length] as Cell;
  return {
    wer: ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : cost / ref.length,
    substitutions,
    deletions,
    insertions,
    referenceWords: ref.length,
  };
}
