import { describe, expect, it } from 'vitest';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { createLogger } from '@lm/kit';
import {
  DecodeScheduler,
  DRAFT_FROM_STREAMS,
  pickNextDecode,
  recognizeRequest,
} from '../src/DecodeScheduler.js';
import type { TimedWord } from '../src/LocalAgreement.js';
import type { Recognizer } from '../src/ports.js';
import {
  DEFAULT_STREAM_POLICY,
  StreamTranscriber,
  type DecodeJob,
  type DecodeNeed,
} from '../src/StreamTranscriber.js';
import { LoudnessDetector } from './support/fakes.js';

/** Recognises a fixed script: every word whose time lies inside the decoded audio. */
class ScriptRecognizer implements Recognizer {
  calls: number[] = [];
  constructor(
    private readonly script: TimedWord[],
    private readonly stream: () => StreamTranscriber,
    private readonly offsetMs: () => number,
  ) {}
  recognize(audio: Float32Array): Promise<TimedWord[]> {
    const durationMs = (audio.length * 1000) / 16000;
    this.calls.push(durationMs);
    const start = this.offsetMs();
    const words = this.script
      .filter((w) => w.endMs > start && w.endMs <= start + durationMs)
      .map((w) => ({ ...w, startMs: w.startMs - start, endMs: w.endMs - start }));
    void this.stream;
    return Promise.resolve(words);
  }
}

function tone(ms: number, amplitude: number): Float32Array {
  const out = new Float32Array((ms * 16000) / 1000);
  for (let i = 0; i < out.length; i++)
    out[i] = amplitude * Math.sin((2 * Math.PI * 220 * i) / 16000);
  return out;
}

const SCRIPT_TEXT = 'the cell membrane controls what enters the cell';

/** The words of `finals` in order (end-of-turn marks carry none). */
function spokenText(finals: readonly TranscriptSegment[]): string {
  return finals
    .map((f) => f.text)
    .filter(Boolean)
    .join(' ');
}

const script: TimedWord[] = SCRIPT_TEXT.split(' ').map((text, i) => ({
  text,
  startMs: 200 + i * 250,
  endMs: 200 + i * 250 + 200,
  confidence: 0.9,
}));

async function run(audio: { ms: number; loud: boolean }[], policy = DEFAULT_STREAM_POLICY) {
  const segments: TranscriptSegment[] = [];
  let lastJobStart = 0;
  const stream = new StreamTranscriber('s1', 'mic', new LoudnessDetector(), policy);
  const recognizer = new ScriptRecognizer(
    script,
    () => stream,
    () => lastJobStart,
  );
  const jobs: DecodeJob[] = [];
  const originalTake = stream.takeJob.bind(stream);
  stream.takeJob = (need) => {
    const job = originalTake(need);
    lastJobStart = job.bufferStartMs;
    jobs.push(job);
    return job;
  };
  const scheduler = new DecodeScheduler(
    recognizer,
    (_s, produced) => {
      segments.push(...produced);
      return Promise.resolve();
    },
    createLogger({ service: 't', level: 'silent' }),
  );
  scheduler.add(stream);
  let t = 0;
  for (const part of audio) {
    for (let done = 0; done < part.ms; done += 100) {
      await stream.push(tone(100, part.loud ? 0.3 : 0.001), t, Date.now());
      t += 100;
      scheduler.kick();
      await scheduler.idle();
    }
  }
  stream.end();
  scheduler.kick();
  await scheduler.idle();
  return { segments, recognizer, stream, jobs };
}

describe('StreamTranscriber with DecodeScheduler', () => {
  it('emits partials while speech goes on and finals that cover every word exactly once', async () => {
    const { segments } = await run([
      { ms: 2400, loud: true },
      { ms: 1000, loud: false },
    ]);
    const finals = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL);
    const partials = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_PARTIAL);
    expect(partials.length).toBeGreaterThan(0);
    expect(spokenText(finals)).toBe(SCRIPT_TEXT);
    // Finals are numbered consecutively; the last one closes the utterance.
    expect(finals.map((f) => f.segmentIndex)).toEqual(finals.map((_, i) => i));
    expect(finals[finals.length - 1]?.endOfTurn).toBe(true);
    // Partials of a segment come before its final and have lower revisions.
    for (const final of finals) {
      const before = partials.filter((p) => p.segmentIndex === final.segmentIndex);
      for (const p of before) expect(p.revision).toBeLessThanOrEqual(final.revision);
    }
  });

  it('never decodes silence', async () => {
    const { segments, recognizer } = await run([{ ms: 3000, loud: false }]);
    expect(recognizer.calls).toEqual([]);
    expect(segments).toEqual([]);
  });

  it('ignores a click shorter than the minimum speech length', async () => {
    const { recognizer } = await run([
      { ms: 500, loud: false },
      { ms: 100, loud: true },
      { ms: 1500, loud: false },
    ]);
    expect(recognizer.calls).toEqual([]);
  });

  it('marks the end of a turn after a short-pause final without decoding its silence', async () => {
    // 2 s of speech, a 200 ms pause (the utterance ends: it is over the soft-end length), then
    // silence until the turn ends. Two finals: the words, then an empty end-of-turn mark.
    // With a 500 ms end of turn (tutoring): the mark must not cost a decode of the pause.
    const { segments, recognizer } = await run(
      [
        { ms: 2000, loud: true },
        { ms: 1500, loud: false },
      ],
      { ...DEFAULT_STREAM_POLICY, endSilenceMs: 500 },
    );
    const finals = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL);
    expect(finals.at(-1)?.endOfTurn).toBe(true);
    expect(finals.at(-1)?.text).toBe('');
    expect(finals.filter((f) => f.text).length).toBeGreaterThan(0);
    // Every decode had speech in it: none was of the pause alone (shorter than a first partial).
    const firstPartialMs = DEFAULT_STREAM_POLICY.minPartialAudioMs;
    expect(recognizer.calls.filter((ms) => ms < firstPartialMs)).toEqual([]);
  });

  it('serves the final from the closing partial decoded in the pause: no second decode', async () => {
    const { segments, recognizer, jobs } = await run([
      { ms: 2400, loud: true },
      { ms: 1000, loud: false },
    ]);
    const finalJobs = jobs.filter((j) => j.kind === 'final');
    const reused = finalJobs.filter((j) => j.reuse);
    expect(reused).toHaveLength(1);
    expect(reused[0]?.audio.length).toBe(0);
    // The closing partial saw the speech and the start of the pause, and was the last decode.
    const closing = jobs.filter((j) => j.kind === 'partial' && !j.provisional);
    expect(closing).toHaveLength(1);
    expect(closing[0]?.audioEndMs).toBeGreaterThanOrEqual(
      2400 + DEFAULT_STREAM_POLICY.closingPauseMs,
    );
    expect(recognizer.calls).toHaveLength(jobs.filter((j) => j.audio.length > 0).length);
    expect(jobs.at(-1)?.kind).toBe('final');
    const finals = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL);
    expect(spokenText(finals)).toBe(SCRIPT_TEXT);
  });

  it('decodes the final when closing partials are off', async () => {
    const { segments, jobs } = await run(
      [
        { ms: 2400, loud: true },
        { ms: 1000, loud: false },
      ],
      { ...DEFAULT_STREAM_POLICY, closingPauseMs: 0 },
    );
    expect(jobs.some((j) => j.reuse || (j.kind === 'partial' && !j.provisional))).toBe(false);
    expect(jobs.filter((j) => j.kind === 'final' && j.audio.length > 0)).toHaveLength(1);
    expect(spokenText(segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL))).toBe(
      SCRIPT_TEXT,
    );
  });

  it('decodes a final cut inside unbroken speech: its partials saw audio past the cut', async () => {
    const { jobs } = await run(
      [
        { ms: 2400, loud: true },
        { ms: 1000, loud: false },
      ],
      { ...DEFAULT_STREAM_POLICY, maxUtteranceMs: 1500 },
    );
    const finals = jobs.filter((j) => j.kind === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(2);
    // The first final ends at a forced cut, so it was decoded.
    expect(finals[0]?.reuse).toBeUndefined();
    expect(finals[0]?.audio.length).toBeGreaterThan(0);
  });
});

describe('pickNextDecode', () => {
  const stream = (need: DecodeNeed | undefined, lastServedAt: number, undecodedMs = 500) =>
    ({ wants: () => need, lastServedAt, undecodedMs }) as unknown as StreamTranscriber;

  it('serves finals, then closing partials, then partials; the longest-waiting first', () => {
    const partial = stream('partial', 0);
    const closing = stream('closing', 50);
    const final = stream('final', 100);
    expect(pickNextDecode([partial, closing, final])?.stream).toBe(final);
    expect(pickNextDecode([partial, closing])?.need).toBe('closing');
    const waitedLonger = stream('partial', -10);
    expect(pickNextDecode([partial, waitedLonger, stream(undefined, -50)])?.stream).toBe(
      waitedLonger,
    );
    expect(pickNextDecode([stream(undefined, 0)])).toBeUndefined();
  });

  it('gives a partial to the stream with the most speech not yet decoded', () => {
    // A new utterance (1.2 s unseen) goes before a stream served long ago that has 0.5 s unseen.
    const newUtterance = stream('partial', 100, 1200);
    const servedLongAgo = stream('partial', 0, 500);
    expect(pickNextDecode([servedLongAgo, newUtterance])?.stream).toBe(newUtterance);
    // Finals still go by waiting time.
    const finalA = stream('final', 100, 1200);
    const finalB = stream('final', 0, 0);
    expect(pickNextDecode([finalA, finalB])?.stream).toBe(finalB);
  });
});

describe('recognizeRequest', () => {
  const job = (over: Partial<DecodeJob>): DecodeJob => ({
    kind: 'partial',
    audio: new Float32Array(16_000),
    provisional: true,
    mayDraft: true,
    bufferStartMs: 0,
    audioEndMs: 1000,
    endOfTurn: false,
    prompt: '',
    capturedAtMs: 0,
    ...over,
  });

  it('asks for drafts of partials between pauses from DRAFT_FROM_STREAMS live streams on', () => {
    const draftFrom = DRAFT_FROM_STREAMS;
    expect(recognizeRequest(job({}), DRAFT_FROM_STREAMS - 1, draftFrom)?.draft).toBe(false);
    expect(recognizeRequest(job({}), DRAFT_FROM_STREAMS, draftFrom)?.draft).toBe(true);
    // Closing partials and finals may become finals: never drafts.
    const closing = job({ provisional: false, mayDraft: false });
    expect(recognizeRequest(closing, 8, draftFrom)?.draft).toBe(false);
    const final = job({ kind: 'final', provisional: false, mayDraft: false });
    expect(recognizeRequest(final, 8, draftFrom)?.draft).toBe(false);
    // A stream whose policy says no (tutoring).
    expect(recognizeRequest(job({ mayDraft: false }), 8, draftFrom)?.draft).toBe(false);
    // 0 turns drafts off.
    expect(recognizeRequest(job({}), 8, 0)?.draft).toBe(false);
  });

  it('decodes thoroughly only for a lone stream, and not at all for a reused final', () => {
    const draftFrom = DRAFT_FROM_STREAMS;
    expect(recognizeRequest(job({ provisional: false }), 1, draftFrom)?.thorough).toBe(true);
    expect(recognizeRequest(job({ provisional: false }), 2, draftFrom)?.thorough).toBe(false);
    expect(recognizeRequest(job({}), 1, draftFrom)?.thorough).toBe(false);
    const reused = job({ kind: 'final', reuse: { words: [], audioMs: 1000 } });
    expect(recognizeRequest(reused, 1, draftFrom)).toBeUndefined();
  });
});
