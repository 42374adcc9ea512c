import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { LocalAgreement, type TimedWord } from './LocalAgreement.js';
import { PcmBuffer } from './PcmBuffer.js';
import type { SpeechDetector } from './ports.js';

export interface StreamPolicy {
  /** Probability at or above which a frame is speech. */
  speechThreshold: number;
  /** Probability below which a frame counts towards the end-of-speech silence. */
  silenceThreshold: number;
  /** Silence that ends an utterance. */
  endSilenceMs: number;
  /** Audio kept before the first speech frame, so word onsets are not clipped. */
  prerollMs: number;
  /** New audio needed before another partial decode. */
  minDecodeStepMs: number;
  /** Longest buffer decoded; past it the buffer is trimmed at the committed words. */
  maxBufferMs: number;
  /** Speech shorter than this in an utterance is treated as a click, not words. */
  minSpeechMs: number;
  language: string;
}

export const DEFAULT_STREAM_POLICY: StreamPolicy = {
  speechThreshold: 0.5,
  silenceThreshold: 0.35,
  endSilenceMs: 600,
  prerollMs: 300,
  minDecodeStepMs: 450,
  maxBufferMs: 12_000,
  minSpeechMs: 150,
  language: 'en',
};

/** Audio kept after the last speech frame in a final decode. */
const TRAILING_AUDIO_MS = 300;

export interface DecodeJob {
  kind: 'partial' | 'final';
  audio: Float32Array;
  bufferStartMs: number;
  audioEndMs: number;
  prompt: string;
  /** Capture time of the newest audio in the job, for latency figures. */
  capturedAtMs: number;
}

/**
 * The state of one live audio stream: VAD gating, the utterance buffer, the agreement
 * policy, and the numbering of the segments it emits. It never decodes by itself; a
 * scheduler asks it for jobs and hands back the results, so many streams share one model.
 */
export class StreamTranscriber {
  private readonly buffer = new PcmBuffer();
  private readonly policy = new LocalAgreement();
  private frameRemainder = new Float32Array(0);
  private inSpeech = false;
  private speechMs = 0;
  private silenceRunMs = 0;
  private finalPending = false;
  private ended = false;
  private lastDecodedEndMs = 0;
  private partialRevision = 0;
  private lastCapturedAtMs = 0;
  private streamTimeMs: number | undefined;
  /** Finalised words whose audio was trimmed from the buffer: the decoder's prompt. */
  private context: string[] = [];
  private failedDecodes = 0;
  /** Stream time at the end of the latest speech frame. */
  private lastSpeechMs = 0;
  private retryAt = 0;
  /** Set while a job taken from this stream is being decoded. */
  busy = false;
  /** When this stream last got a decode, for fair scheduling. */
  lastServedAt = 0;

  constructor(
    readonly sessionId: string,
    readonly streamId: string,
    private readonly vad: SpeechDetector,
    private readonly options: StreamPolicy = DEFAULT_STREAM_POLICY,
    /** Segment numbers are per session, shared by its streams. */
    private readonly numbering: SegmentNumbering = new SegmentNumbering(),
    /** Words ending before this stream time were already emitted as finals (a resumed stream). */
    finalisedUntilMs = 0,
  ) {
    this.policy.resumeAfter(finalisedUntilMs);
  }

  get nextSegmentIndex(): number {
    return this.numbering.peek();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** True when nothing is buffered or pending: the stream can be forgotten after it ended. */
  get isIdle(): boolean {
    return !this.busy && !this.finalPending && !this.inSpeech;
  }

  /** Stream time up to which every word has been emitted as a final. */
  get finalisedUntilMs(): number {
    return this.policy.committedEndMs;
  }

  /** Stream time (ms) of the oldest audio still needed: a resumed consumer must re-read from here. */
  get oldestNeededMs(): number {
    return this.inSpeech || this.finalPending ? this.buffer.startMs : this.buffer.endMs;
  }

  /** Appends audio (float samples at 16 kHz) that starts at stream time `startMs`. */
  async push(samples: Float32Array, startMs: number, capturedAtMs: number): Promise<void> {
    if (this.ended) return;
    if (this.streamTimeMs === undefined) {
      this.streamTimeMs = startMs;
      this.buffer.clear(startMs);
    }
    this.lastCapturedAtMs = capturedAtMs || this.lastCapturedAtMs;
    const joined = concat(this.frameRemainder, samples);
    const frame = this.vad.frameSize;
    const frameMs = (frame * 1000) / PcmBuffer.SAMPLE_RATE;
    let offset = 0;
    for (; offset + frame <= joined.length; offset += frame) {
      const slice = joined.subarray(offset, offset + frame);
      const p = await this.vad.probability(slice);
      this.buffer.append(slice.slice());
      this.track(p, frameMs);
    }
    this.frameRemainder = joined.slice(offset);
  }

  /** The producer ended the stream: whatever is buffered is finalised. */
  end(): void {
    this.ended = true;
    if (this.inSpeech) this.finalPending = true;
    this.inSpeech = false;
  }

  /** What decode this stream needs now, if any. */
  wants(now = Date.now()): 'final' | 'partial' | undefined {
    if (this.busy || now < this.retryAt) return undefined;
    if (this.finalPending) return 'final';
    if (
      this.inSpeech &&
      this.speechMs >= this.options.minSpeechMs &&
      this.buffer.endMs - this.lastDecodedEndMs >= this.options.minDecodeStepMs
    ) {
      return 'partial';
    }
    return undefined;
  }

  takeJob(kind: 'partial' | 'final'): DecodeJob {
    this.busy = true;
    if (kind === 'final') this.finalPending = false;
    this.lastDecodedEndMs = this.buffer.endMs;
    return {
      kind,
      // A final decodes up to shortly after the last speech: whisper invents words ("Bye.",
      // "Thank you.") in trailing silence.
      audio:
        kind === 'final'
          ? this.buffer
              .toArray()
              .subarray(0, this.samplesUntil(this.lastSpeechMs + TRAILING_AUDIO_MS))
          : this.buffer.toArray(),
      bufferStartMs: this.buffer.startMs,
      audioEndMs: this.buffer.endMs,
      // Only text whose audio is no longer in the buffer: whisper tends to skip words that are
      // both in the prompt and in the audio.
      prompt: this.context.join(' ').slice(-200),
      capturedAtMs: this.lastCapturedAtMs,
    };
  }

  /**
   * The job failed: a final is asked for again after a back-off, up to three times; after
   * that its audio is given up (logged by the caller) so one bad buffer cannot stall the stream.
   */
  releaseJob(job: DecodeJob, now = Date.now()): { gaveUp: boolean; retryInMs: number } {
    this.busy = false;
    this.failedDecodes += 1;
    this.retryAt = now + 250 * 2 ** this.failedDecodes;
    if (job.kind === 'final' && this.failedDecodes < 3) {
      this.finalPending = true;
      return { gaveUp: false, retryInMs: this.retryAt - now };
    }
    if (job.kind === 'final') {
      this.failedDecodes = 0;
      this.policy.reset();
      this.buffer.dropBefore(job.audioEndMs);
      return { gaveUp: true, retryInMs: 0 };
    }
    return { gaveUp: false, retryInMs: this.retryAt - now };
  }

  /** Applies a decode result; returns the segments to publish (finals first, then a partial). */
  applyResult(job: DecodeJob, words: readonly TimedWord[], now = Date.now()): TranscriptSegment[] {
    this.busy = false;
    this.failedDecodes = 0;
    const timed = words.map((w) => ({
      ...w,
      startMs: w.startMs + job.bufferStartMs,
      endMs: w.endMs + job.bufferStartMs,
    }));
    const out: TranscriptSegment[] = [];
    const committed = job.kind === 'final' ? this.policy.flush(timed) : this.policy.update(timed);
    if (committed.length > 0 || job.kind === 'final') {
      // An utterance always ends with a final carrying end_of_turn, even when every word was
      // already agreed on earlier (then its text is empty: it only marks the turn's end).
      out.push(
        this.segment(SegmentKind.SEGMENT_KIND_FINAL, committed, job, now, job.kind === 'final'),
      );
    }
    if (job.kind === 'final') {
      // The utterance is done: keep only audio that arrived after the job was taken.
      this.remember(this.policy.committedWords);
      this.policy.reset();
      this.buffer.dropBefore(job.audioEndMs);
      if (!this.inSpeech) this.buffer.keepLast(this.options.prerollMs);
      this.speechMs = this.inSpeech ? this.speechMs : 0;
    } else {
      const tentative = this.policy.tentative;
      if (tentative.length > 0)
        out.push(this.segment(SegmentKind.SEGMENT_KIND_PARTIAL, tentative, job, now, false));
      this.trimIfLong();
    }
    return out;
  }

  /** The last segment of a stream: an empty final saying nothing more will come. */
  streamEndedMarker(now = Date.now()): TranscriptSegment {
    const at = Math.round(this.buffer.endMs);
    return {
      sessionId: this.sessionId,
      streamId: this.streamId,
      segmentIndex: this.numbering.take(),
      revision: 0,
      kind: SegmentKind.SEGMENT_KIND_FINAL,
      text: '',
      words: [],
      startMs: at,
      endMs: at,
      language: this.options.language,
      emittedAtMs: now,
      audioCapturedAtMs: this.lastCapturedAtMs,
      endOfTurn: true,
      streamEnded: true,
    };
  }

  private segment(
    kind: SegmentKind,
    words: readonly TimedWord[],
    job: DecodeJob,
    now: number,
    endOfTurn: boolean,
  ): TranscriptSegment {
    const first = words[0];
    const last = words[words.length - 1];
    let index: number;
    let revision: number;
    if (kind === SegmentKind.SEGMENT_KIND_FINAL) {
      index = this.numbering.take();
      revision = this.partialRevision;
      this.partialRevision = 0;
    } else {
      index = this.numbering.peek();
      revision = this.partialRevision;
      this.partialRevision += 1;
    }
    return {
      sessionId: this.sessionId,
      streamId: this.streamId,
      segmentIndex: index,
      revision,
      kind,
      text: joinWords(words),
      words: words.map((w) => ({
        text: w.text.trim(),
        startMs: Math.max(0, Math.round(w.startMs)),
        endMs: Math.max(0, Math.round(w.endMs)),
        confidence: w.confidence,
      })),
      startMs: Math.max(0, Math.round(first?.startMs ?? job.bufferStartMs)),
      endMs: Math.max(0, Math.round(last?.endMs ?? job.audioEndMs)),
      language: this.options.language,
      emittedAtMs: now,
      audioCapturedAtMs: job.capturedAtMs,
      endOfTurn,
      streamEnded: false,
    };
  }

  private samplesUntil(ms: number): number {
    return Math.max(0, Math.round(((ms - this.buffer.startMs) * PcmBuffer.SAMPLE_RATE) / 1000));
  }

  private remember(words: readonly TimedWord[]): void {
    this.context.push(...words.map((w) => w.text.trim()));
    if (this.context.length > 60) this.context = this.context.slice(-60);
  }

  private track(probability: number, frameMs: number): void {
    if (probability >= this.options.speechThreshold) {
      if (!this.inSpeech) {
        this.inSpeech = true;
        this.speechMs = 0;
        // The buffer holds the pre-roll; decode timing restarts from here.
        this.lastDecodedEndMs = this.buffer.startMs;
      }
      this.speechMs += frameMs;
      this.silenceRunMs = 0;
      this.lastSpeechMs = this.buffer.endMs;
      return;
    }
    if (!this.inSpeech) {
      // Between utterances only a pre-roll is kept — unless the last utterance still waits
      // for (or is in) its final decode, which needs its audio.
      if (!this.finalPending && !this.busy) this.buffer.keepLast(this.options.prerollMs);
      return;
    }
    if (probability < this.options.silenceThreshold) this.silenceRunMs += frameMs;
    if (this.silenceRunMs >= this.options.endSilenceMs) {
      this.inSpeech = false;
      this.silenceRunMs = 0;
      if (this.speechMs >= this.options.minSpeechMs) this.finalPending = true;
      else this.buffer.keepLast(this.options.prerollMs);
    }
  }

  private trimIfLong(): void {
    if (this.buffer.durationMs <= this.options.maxBufferMs) return;
    const committedEnd = this.policy.committedEndMs;
    if (committedEnd > this.buffer.startMs + 1000) {
      this.buffer.dropBefore(committedEnd);
      this.remember(this.policy.committedWords.filter((w) => w.endMs <= committedEnd));
      this.policy.forgetBefore(committedEnd);
    } else {
      // Nothing agreed for a whole buffer: finalise what we have rather than grow without bound.
      this.finalPending = true;
    }
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function joinWords(words: readonly TimedWord[]): string {
  return words
    .map((w) => w.text.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+([,.;:!?])/g, '$1');
}

/** Hands out a session's segment numbers in order; every stream of the session shares one. */
export class SegmentNumbering {
  constructor(private next = 0) {}

  peek(): number {
    return this.next;
  }

  take(): number {
    return this.next++;
  }
}
