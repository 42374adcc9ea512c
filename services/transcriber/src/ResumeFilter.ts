import { SegmentKind, type TranscriptSegment, type Word } from '@lm/proto/transcript/v1/transcript';
import { normalise } from './LocalAgreement.js';

/** How far whisper's times of one word move between decodes of different buffers. */
const SAME_WORD_MS = 700;

/**
 * A resumed stream re-decodes audio that finals before the restart partly covered (the held-back
 * utterance), and must leave out the words those finals had. Whisper's word times move by a
 * couple of hundred milliseconds between decodes, so a rule on times alone either repeats the last
 * emitted word or loses a short new one after it ("the mitochondria | is often"). So the cut is
 * found by text: the re-decoded occurrence of the last emitted word (near its old time) and
 * everything before it are old; what follows is new. Only when the re-decode does not contain
 * that word does the cut fall back to times: words whose middle lies before the resume point.
 *
 * The first final that decides the cut fixes it for the stream; partials before that use the
 * cut they would give, without fixing it. Kept words never start before the resume point.
 */
export class ResumeFilter {
  private readonly lastEmitted: { text: string; midMs: number } | undefined;
  /** Words whose middle lies before this stream time are old; undefined until a final decides. */
  private cutMs: number | undefined;

  constructor(
    /** Words ending before this stream time were in finals before the restart. */
    readonly untilMs: number,
    /** The last finals before the restart (from the checkpoint), for their words. */
    lastFinals: readonly TranscriptSegment[],
  ) {
    const words = [...lastFinals]
      .sort((a, b) => a.segmentIndex - b.segmentIndex)
      .flatMap((f) => f.words)
      .filter((w) => normalise(w.text) !== '');
    const last = words.at(-1);
    this.lastEmitted = last && { text: normalise(last.text), midMs: mid(last) };
  }

  /** The segment without the words emitted before the restart; same index, maybe no words. */
  apply(segment: TranscriptSegment): TranscriptSegment {
    let cut = this.cutMs;
    if (cut === undefined) {
      const decided = this.decide(segment.words);
      if (decided !== undefined && segment.kind === SegmentKind.SEGMENT_KIND_FINAL) {
        this.cutMs = decided;
      }
      cut = decided ?? this.untilMs;
    }
    const limit = cut;
    // New words that whisper now places a little into the emitted time start where it ends:
    // the finals of a stream never overlap in time.
    const words = segment.words
      .filter((w) => mid(w) >= limit)
      .map((w) => {
        if (w.startMs >= this.untilMs) return w;
        const startMs = Math.round(this.untilMs);
        return { ...w, startMs, endMs: Math.max(w.endMs, startMs) };
      });
    if (words.length === segment.words.length && words.every((w, i) => w === segment.words[i])) {
      return segment;
    }
    return {
      ...segment,
      words,
      text: words
        .map((w) => w.text)
        .filter(Boolean)
        .join(' ')
        .replace(/\s+([,.;:!?])/g, '$1'),
      startMs: words[0]?.startMs ?? segment.endMs,
    };
  }

  /**
   * Where old words end in these (re-decoded) words: after the last emitted word's occurrence
   * nearest its old time; or the resume point when the words have gone past where it would be
   * without it; or undefined when they have not reached it yet (a later segment decides).
   */
  private decide(words: readonly Word[]): number | undefined {
    const last = this.lastEmitted;
    if (!last) return this.untilMs;
    let best: Word | undefined;
    for (const w of words) {
      const distance = Math.abs(mid(w) - last.midMs);
      if (normalise(w.text) !== last.text || distance >= SAME_WORD_MS) continue;
      if (!best || distance < Math.abs(mid(best) - last.midMs)) best = w;
    }
    if (best) return best.endMs;
    return words.some((w) => mid(w) >= last.midMs + SAME_WORD_MS) ? this.untilMs : undefined;
  }
}

function mid(word: { startMs: number; endMs: number }): number {
  return (word.startMs + word.endMs) / 2;
}
