/** A recognised word with times on the stream's clock (milliseconds). */
export interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

/**
 * LocalAgreement-2 over one utterance: every decode covers the utterance from its start, and a
 * word is committed once two successive decodes agree on it (and on everything before it).
 * Committed words never change; the rest of the newest hypothesis is provisional.
 *
 * A new decode repeats the committed words, possibly reworded ("fogals" became
 * "photosynthesis"). They are found by aligning the committed text with the start of the new
 * hypothesis (edit distance over normalised words), not by whisper's word times, which can be
 * off by half a second.
 */
export class LocalAgreement {
  private committed: TimedWord[] = [];
  private previous: TimedWord[] = [];
  /** Stream time up to which words were committed, over all utterances. */
  private committedUntilMs = 0;

  /**
   * Feeds a new hypothesis of the utterance; returns the words newly committed by it. Only words
   * ending before `commitBeforeMs` may be committed (the newest audio is the least certain).
   */
  update(hypothesis: readonly TimedWord[], commitBeforeMs = Infinity): TimedWord[] {
    const fresh = this.afterCommitted(hypothesis);
    let agreed = commonPrefix(this.previous, fresh);
    const settled = agreed.findIndex((w) => w.endMs > commitBeforeMs);
    if (settled >= 0) agreed = agreed.slice(0, settled);
    this.previous = fresh.slice(agreed.length);
    return this.accept(agreed);
  }

  /** Commits every word of a last hypothesis (end of utterance: nothing more will come). */
  flush(hypothesis: readonly TimedWord[]): TimedWord[] {
    const fresh = this.afterCommitted(hypothesis);
    this.previous = [];
    return this.accept(fresh);
  }

  /** Provisional words of the newest hypothesis, after the committed ones. */
  get tentative(): readonly TimedWord[] {
    return this.previous;
  }

  get committedEndMs(): number {
    return this.committedUntilMs;
  }

  /** Words committed in the current utterance. */
  get committedWords(): readonly TimedWord[] {
    return this.committed;
  }

  /** Starts a new utterance (whose audio does not overlap the last one's). */
  reset(): void {
    this.committed = [];
    this.previous = [];
  }

  /** The hypothesis words after those already committed in this utterance. */
  private afterCommitted(hypothesis: readonly TimedWord[]): TimedWord[] {
    const words = hypothesis.filter((w) => normalise(w.text) !== '');
    if (this.committed.length === 0) return words;
    return words.slice(alignedPrefixLength(this.committed, words));
  }

  /**
   * Commits words, returning them as committed: never starting before the previous committed
   * word ends, because whisper times the same word differently from one decode to the next and a
   * stream's finals must not overlap in time.
   */
  private accept(words: TimedWord[]): TimedWord[] {
    const accepted = words.map((w) => {
      const startMs = Math.max(w.startMs, this.committedUntilMs);
      const word = { ...w, startMs, endMs: Math.max(w.endMs, startMs) };
      this.committedUntilMs = word.endMs;
      return word;
    });
    this.committed.push(...accepted);
    return accepted;
  }
}

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, '')
    .replace(/^'+|'+$/g, '');
}

function commonPrefix(a: readonly TimedWord[], b: readonly TimedWord[]): TimedWord[] {
  const out: TimedWord[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || normalise(x.text) !== normalise(y.text)) break;
    // Keep the newer decode's word: it saw more audio, so its times are better.
    out.push(y);
  }
  return out;
}

/**
 * How many leading words of `hypothesis` restate `committed`: the prefix length with the least
 * word edit distance to the committed words. Ties go to the prefix whose last word ends nearest
 * the last committed word (whisper sometimes merges or splits a word).
 */
export function alignedPrefixLength(
  committed: readonly TimedWord[],
  hypothesis: readonly TimedWord[],
): number {
  const a = committed.map((w) => normalise(w.text));
  const b = hypothesis.map((w) => normalise(w.text));
  // row[j]: edit distance between a[0..i) and b[0..j).
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next[j] = Math.min(substitute, (row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1);
    }
    row = next;
  }
  // Where the committed words would end if the first k hypothesis words restate them.
  const lastEnd = committed[committed.length - 1]?.endMs ?? 0;
  const boundaryGap = (k: number) =>
    Math.abs(
      (k === 0 ? (hypothesis[0]?.startMs ?? lastEnd) : (hypothesis[k - 1]?.endMs ?? 0)) - lastEnd,
    );
  let best = 0;
  for (let j = 1; j <= b.length; j++) {
    const cost = row[j] ?? Infinity;
    const bestCost = row[best] ?? Infinity;
    if (cost < bestCost || (cost === bestCost && boundaryGap(j) < boundaryGap(best))) best = j;
  }
  return best;
}
