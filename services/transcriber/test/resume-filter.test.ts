import { describe, expect, it } from 'vitest';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { ResumeFilter } from '../src/ResumeFilter.js';

type Word = [text: string, startMs: number, endMs: number];

function segment(index: number, words: Word[]): TranscriptSegment {
  return {
    sessionId: 's',
    streamId: 'mic',
    segmentIndex: index,
    revision: 0,
    kind: SegmentKind.SEGMENT_KIND_FINAL,
    text: words.map((w) => w[0]).join(' '),
    words: words.map(([text, startMs, endMs]) => ({ text, startMs, endMs, confidence: 0.5 })),
    startMs: words[0]?.[1] ?? 0,
    endMs: words.at(-1)?.[2] ?? 0,
    language: 'en',
    emittedAtMs: 0,
    audioCapturedAtMs: 0,
    endOfTurn: false,
    streamEnded: false,
  };
}

describe('ResumeFilter', () => {
  // Before the crash: "The mitochondria" was final, up to 1272 ms.
  const before = segment(0, [
    ['The', 420, 600],
    ['mitochondria', 600, 1272],
  ]);
  const resumed = () => new ResumeFilter(1272, [before]);

  it('cuts after the re-decoded last emitted word, keeping a short word after it', () => {
    // The re-decode of the held-back utterance: whisper now ends "mitochondria" earlier, so the
    // middle of "is" lies before the resume point; only its text tells it is new.
    const out = resumed().apply(
      segment(1, [
        ['The', 450, 640],
        ['mitochondria', 640, 1100],
        ['is', 1100, 1300],
        ['often', 1330, 1600],
      ]),
    );
    expect(out.words.map((w) => [w.text, w.startMs, w.endMs])).toEqual([
      // Starts where the emitted words end: finals never overlap in time.
      ['is', 1272, 1300],
      ['often', 1330, 1600],
    ]);
    expect(out.text).toBe('is often');
    expect(out.startMs).toBe(1272);
    expect(out.segmentIndex).toBe(1);
  });

  it('drops the last emitted word when its re-decoded time slid past the resume point', () => {
    const out = resumed().apply(
      segment(1, [
        ['mitochondria,', 1000, 1560],
        ['is', 1560, 1650],
      ]),
    );
    expect(out.text).toBe('is');
  });

  it('waits for the final that reaches the last emitted word, and keeps its cut', () => {
    const filter = resumed();
    expect(filter.apply(segment(1, [['The', 450, 640]]))).toMatchObject({ text: '', words: [] });
    const next = filter.apply(
      segment(2, [
        ['mitochondria', 640, 1100],
        ['is', 1100, 1300],
      ]),
    );
    expect(next.text).toBe('is');
    // Later segments are cut at the same place; a repeated word much later is new.
    expect(filter.apply(segment(3, [['mitochondria', 4000, 4600]])).text).toBe('mitochondria');
  });

  it('falls back to times when the re-decode misses the last emitted word', () => {
    const filter = resumed();
    const out = filter.apply(
      segment(1, [
        ['The', 450, 640],
        ['mighty', 640, 1150],
        ['Condrea', 1150, 1250],
        ['is', 1290, 1400],
        ['often', 1400, 2200],
      ]),
    );
    expect(out.text).toBe('is often');
  });

  it('leaves a segment of only new words as it is', () => {
    const fresh = segment(3, [['cells', 5000, 5400]]);
    expect(resumed().apply(fresh)).toBe(fresh);
  });
});
