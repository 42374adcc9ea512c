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

  /** Drops hypothesis words that overlap what is committed (a re-decode sees the same audio). */
  private afterCommitted(hypothesis: readonly TimedWord[]): TimedWord[] {
    const words = hypothesis.filter((w) => normalise(w.text) !== '');
    if (this.committed.length === 0) {
      return words.filter(
        (w) => w.endMs > this.committedUntilMs + 80 || this.committedUntilMs === 0,
      );
    }
    // Align on the committed tail: skip hypothesis words that repeat the last committed words.
    const tail = this.committed.slice(-5).map((w) => normalise(w.text));
    for (let n = Math.min(tail.length, words.length); n > 0; n--) {
      const suffix = tail.slice(-n);
      for (let start = 0; start + n <= words.length; start++) {
        const slice = words.slice(start, start + n).map((w) => normalise(w.text));
        if (slice.every((t, i) => t === suffix[i])) {
          const after = words.slice(start + n);
          // Only accept an alignment that is near the committed end in time.
          const last = words[start + n - 1];
          if (last && Math.abs(last.endMs - this.committedUntilMs) < 1500) return after;
        }
      }
    }
    return words.filter((w) => (w.startMs + w.endMs) / 2 > this.committedUntilMs);
  }

  private accept(words: TimedWord[]): void {
    if (words.length === 0) return;
    this.committed.push(...words);
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
