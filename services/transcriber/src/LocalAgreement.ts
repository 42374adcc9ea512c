/** Tolerance for whisper's word times when telling re-decoded words from new ones. */
const OVERLAP_TOLERANCE_MS = 250;

/** A recognised word with times on the stream's clock (milliseconds). */
export interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

/**
 * LocalAgreement-2 streaming policy: a word is committed once two successive decodes of
 * the growing audio buffer agree on it (and on everything before it). Committed words never
 * change; the rest of the newest hypothesis is provisional.
 */
export class LocalAgreement {
  private committed: TimedWord[] = [];
  private previous: TimedWord[] = [];
  /** Stream time before which words are already committed (earlier hypothesis words are ignored). */
  private committedUntilMs = 0;
  /** The last few committed words (normalised), kept across utterances to spot re-decoded ones. */
  private recentTail: string[] = [];

  /** Feeds a new hypothesis for the buffer; returns the words newly committed by it. */
  update(hypothesis: readonly TimedWord[]): TimedWord[] {
    const fresh = this.afterCommitted(hypothesis);
    const agreed = commonPrefix(this.previous, fresh);
    this.previous = fresh.slice(agreed.length);
    this.accept(agreed);
    return agreed;
  }

  /** Commits every word of a last hypothesis (end of utterance: nothing more will come). */
  flush(hypothesis: readonly TimedWord[]): TimedWord[] {
    const fresh = this.afterCommitted(hypothesis);
    this.previous = [];
    this.accept(fresh);
    return fresh;
  }

  /** Provisional words of the newest hypothesis, after the committed ones. */
  get tentative(): readonly TimedWord[] {
    return this.previous;
  }

  get committedEndMs(): number {
    return this.committedUntilMs;
  }

  /** Committed words kept as context (the caller trims them as the audio buffer is trimmed). */
  get committedWords(): readonly TimedWord[] {
    return this.committed;
  }

  /** Forgets committed words ending before `ms` (their audio was dropped from the buffer). */
  forgetBefore(ms: number): void {
    this.committed = this.committed.filter((w) => w.endMs > ms);
  }

  /** A resumed stream: words ending before `ms` were emitted before the restart. */
  resumeAfter(ms: number): void {
    this.committedUntilMs = Math.max(this.committedUntilMs, ms);
  }

  /** Starts over for a new utterance; committed time is kept so nothing is emitted twice. */
  reset(): void {
    this.committed = [];
    this.previous = [];
  }

  /**
   * Drops hypothesis words that repeat what is committed (each decode sees the committed audio
   * again). Word times from whisper are approximate, so: keep words ending after the committed
   * end (minus a tolerance), then remove an n-gram at their start that repeats the committed tail.
   */
  private afterCommitted(hypothesis: readonly TimedWord[]): TimedWord[] {
    const words = hypothesis.filter((w) => normalise(w.text) !== '');
    if (this.committedUntilMs === 0) return words;
    const candidates = words.filter((w) => w.endMs > this.committedUntilMs - OVERLAP_TOLERANCE_MS);
    const tail = this.recentTail;
    for (let n = Math.min(5, tail.length, candidates.length); n > 0; n--) {
      const head = candidates.slice(0, n).map((w) => normalise(w.text));
      const end = tail.slice(-n);
      if (head.every((t, i) => t === end[i])) return candidates.slice(n);
    }
    return candidates;
  }

  private accept(words: TimedWord[]): void {
    if (words.length === 0) return;
    this.committed.push(...words);
    this.recentTail = [...this.recentTail, ...words.map((w) => normalise(w.text))].slice(-5);
    const last = words[words.length - 1];
    if (last) this.committedUntilMs = Math.max(this.committedUntilMs, last.endMs);
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
