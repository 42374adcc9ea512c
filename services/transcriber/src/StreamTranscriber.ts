import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { LocalAgreement, type TimedWord } from './LocalAgreement.js';
import { dropRepetitions, monotonicTimes, withinAudio } from './hypothesisFilters.js';
import { PcmBuffer } from './PcmBuffer.js';
import type { SpeechDetector } from './ports.js';

export interface StreamPolicy {
  /** Probability at or above which a frame is speech. */
  speechThreshold: number;
  /** Probability below which a frame counts towards the end-of-speech silence. */
  silenceThreshold: number;
  /** Silence that ends the speaker's turn (the final then carries end_of_turn). */
  endSilenceMs: number;
  /** A shorter pause (a comma, a breath) that ends an utterance once it is `softEndAfterMs` long. */
  softEndSilenceMs: number;
  /** Utterance length from which a short pause ends it: short utterances decode fast. */
  softEndAfterMs: number;
  /** Longest utterance: past it, it is cut at its quietest recent frame. */
  maxUtteranceMs: number;
  /** Audio kept before the first speech frame, so word onsets are not clipped. */
  prerollMs: number;
  /**
   * Utterance audio (with its pre-roll) before its first partial decode: shorter input is padded
   * to whisper's one second, and hallucinates more.
   */
  minPartialAudioMs: number;
  /** New audio needed before another partial decode. */
  minDecodeStepMs: number;
  /**
   * A pause this long (while the utterance is still open) asks for a closing partial decode of all
   * its speech, ahead of other streams' partials; when the pause then ends the utterance, that
   * decode is its final, and no second decode is needed. 0 turns this off.
   */
  closingPauseMs: number;
  /** Partial decodes commit only words ending at least this long before the decoded audio's end. */
  commitGuardMs: number;
  /** Speech shorter than this in an utterance is treated as a click, not words. */
  minSpeechMs: number;
  /** Characters of earlier utterances given to the decoder as its prompt (0: none). */
  promptChars: number;
  /**
   * Partials between pauses may be decoded on the draft model while the recogniser is shared by
   * several streams (decision 0025). Tutoring audio says no: its words are the question.
   */
  draftPartials: boolean;
  language: string;
}

export const DEFAULT_STREAM_POLICY: StreamPolicy = {
  speechThreshold: 0.5,
  silenceThreshold: 0.35,
  endSilenceMs: 600,
  softEndSilenceMs: 160,
  softEndAfterMs: 1500,
  maxUtteranceMs: 7000,
  prerollMs: 300,
  minPartialAudioMs: 800,
  minDecodeStepMs: 350,
  closingPauseMs: 96,
  commitGuardMs: 0,
  minSpeechMs: 150,
  promptChars: 0,
  draftPartials: true,
  language: 'en',
};

/** Audio kept after the last speech frame in a final decode. */
const TRAILING_AUDIO_MS = 300;
/** Where a forced cut may fall: the quietest frame in this window before the newest audio. */
const CUT_SEARCH_MS = 2000;
const CUT_MARGIN_MS = 200;

/** What a stream needs decoded: a final, a closing partial (before other partials), a partial. */
export type DecodeNeed = 'final' | 'closing' | 'partial';

/** The newest partial decode of the current utterance, kept in case it can serve as its final. */
interface PartialResult {
  words: readonly TimedWord[];
  bufferStartMs: number;
  audioEndMs: number;
  audioMs: number;
}

export interface DecodeJob {
  kind: 'partial' | 'final';
  audio: Float32Array;
  /**
   * A final served by the utterance's last partial decode, which saw all of its speech: these
   * are that decode's words (timed from `bufferStartMs`), and nothing is decoded again.
   */
  reuse?: { words: readonly TimedWord[]; audioMs: number };
  /**
   * A partial decode between pauses: one quick pass is enough (draft quality). Closing partials
   * and finals are decoded at full quality, since a closing partial may become the final.
   */
  provisional: boolean;
  /** A provisional partial that the policy lets the recogniser draft (`draftPartials`). */
  mayDraft: boolean;
  bufferStartMs: number;
  audioEndMs: number;
  /** A final that also ends the speaker's turn. */
  endOfTurn: boolean;
  prompt: string;
  /** Capture time of the newest audio in the job, for latency figures. */
  capturedAtMs: number;
}

/** A final that is due: its audio ends at `cutMs`. */
interface PendingFinal {
  cutMs: number;
  endOfTurn: boolean;
  /** End of the utterance's last speech frame (Infinity: its partials cannot stand in for it). */
  speechEndMs: number;
}

/**
 * The state of one live audio stream: VAD gating, utterance segmentation, the agreement policy,
 * and the numbering of the segments it emits. It never decodes by itself; a scheduler asks it
 * for jobs and hands back the results, so many streams share one model.
 *
 * Speech is cut into utterances that never overlap: at a pause (`softEndSilenceMs` once the
 * utterance is `softEndAfterMs` long, `endSilenceMs` always) or, in speech without pauses, at the
 * quietest frame once it reaches `maxUtteranceMs`. Every decode covers the current utterance from
 * its start, so decodes stay short (fast) and whisper always sees whole words; partial decodes
 * commit what two of them agree on, and the utterance's final decode commits the rest.
 */
export class StreamTranscriber {
  private readonly buffer = new PcmBuffer();
  private readonly policy = new LocalAgreement();
  /** VAD probability of each frame in the buffer, with its end time. */
  private frames: { endMs: number; p: number }[] = [];
  private frameRemainder = new Float32Array(0);
  private inSpeech = false;
  private speechMs = 0;
  private silenceRunMs = 0;
  /** Stream time where the current utterance's audio starts. */
  private utteranceStartMs = 0;
  private pendingFinal: PendingFinal | undefined;
  /** The last utterance ended at a short pause; a longer silence still ends the turn. */
  private turnOpen = false;
  private ended = false;
  private lastDecodedEndMs = 0;
  private partialRevision = 0;
  private lastCapturedAtMs = 0;
  private streamTimeMs: number | undefined;
  /** Finalised words of earlier utterances: the decoder's prompt. */
  private context: string[] = [];
  private failedDecodes = 0;
  /** Stream time at the end of the latest speech frame. */
  private lastSpeechMs = 0;
  private retryAt = 0;
  private lastPartial: PartialResult | undefined;
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
  ) {}

  get nextSegmentIndex(): number {
    return this.numbering.peek();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** True when nothing is buffered or pending: the stream can be forgotten after it ended. */
  get isIdle(): boolean {
    return !this.busy && !this.pendingFinal && !this.inSpeech;
  }

  /** Audio of the current utterance that no decode has seen yet (ms). */
  get undecodedMs(): number {
    return this.buffer.endMs - Math.max(this.lastDecodedEndMs, this.utteranceStartMs);
  }

  /** Stream time up to which every word has been emitted as a final. */
  get finalisedUntilMs(): number {
    return this.policy.committedEndMs;
  }

  /** Stream time (ms) of the oldest audio still needed: a resumed consumer must re-read from here. */
  get oldestNeededMs(): number {
    return this.inSpeech || this.pendingFinal || this.busy
      ? this.buffer.startMs
      : this.buffer.endMs;
  }

  /** Appends audio (float samples at 16 kHz) that starts at stream time `startMs`. */
  async push(samples: Float32Array, startMs: number, capturedAtMs: number): Promise<void> {
    if (this.ended) return;
    if (this.streamTimeMs === undefined) {
      this.streamTimeMs = startMs;
      this.buffer.clear(startMs);
      this.utteranceStartMs = startMs;
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
      this.frames.push({ endMs: this.buffer.endMs, p });
      this.track(p, frameMs);
    }
    this.frameRemainder = joined.slice(offset);
  }

  /** The producer ended the stream: whatever is buffered is finalised. */
  end(): void {
    this.ended = true;
    if (this.inSpeech) this.endUtterance(true);
    else if (this.turnOpen) this.requestFinal(this.utteranceStartMs, true, -Infinity);
    this.inSpeech = false;
  }

  /** What decode this stream needs now, if any. */
  wants(now = Date.now()): DecodeNeed | undefined {
    if (this.busy || now < this.retryAt) return undefined;
    if (this.pendingFinal) return 'final';
    if (
      !this.inSpeech ||
      this.speechMs < this.options.minSpeechMs ||
      this.buffer.endMs - this.utteranceStartMs < this.options.minPartialAudioMs
    )
      return undefined;
    const { closingPauseMs } = this.options;
    if (
      closingPauseMs > 0 &&
      this.silenceRunMs >= closingPauseMs &&
      this.lastDecodedEndMs < this.lastSpeechMs + closingPauseMs
    )
      return 'closing';
    if (this.buffer.endMs - this.lastDecodedEndMs >= this.options.minDecodeStepMs) return 'partial';
    return undefined;
  }

  takeJob(need: DecodeNeed): DecodeJob {
    const kind = need === 'final' ? 'final' : 'partial';
    this.busy = true;
    const pending = kind === 'final' ? this.pendingFinal : undefined;
    if (kind === 'final') this.pendingFinal = undefined;
    else this.lastDecodedEndMs = this.buffer.endMs;
    const endMs = pending ? Math.min(pending.cutMs, this.buffer.endMs) : this.buffer.endMs;
    const covering = pending ? this.coveringPartial(pending) : undefined;
    return {
      kind,
      provisional: need === 'partial',
      mayDraft: need === 'partial' && this.options.draftPartials,
      ...(covering
        ? {
            audio: new Float32Array(0),
            reuse: { words: covering.words, audioMs: covering.audioMs },
            bufferStartMs: covering.bufferStartMs,
          }
        : {
            audio: this.buffer.toArray().subarray(0, this.samplesUntil(endMs)),
            bufferStartMs: this.buffer.startMs,
          }),
      audioEndMs: endMs,
      endOfTurn: pending?.endOfTurn ?? false,
      prompt:
        this.options.promptChars > 0 ? this.context.join(' ').slice(-this.options.promptChars) : '',
      capturedAtMs: this.lastCapturedAtMs,
    };
  }

  /**
   * The job failed: a final is asked for again after a back-off, up to three times; after
   * that its audio is given up (logged by the caller) so one bad buffer cannot stall the stream.
   */
  releaseJob(job: DecodeJob, now = Date.now()): { gaveUp: boolean; retryInMs: number } {
    this.busy = false;
    this.lastPartial = undefined;
    this.failedDecodes += 1;
    this.retryAt = now + 250 * 2 ** this.failedDecodes;
    if (job.kind === 'final' && this.failedDecodes < 3) {
      this.requestFinal(job.audioEndMs, job.endOfTurn, Infinity);
      return { gaveUp: false, retryInMs: this.retryAt - now };
    }
    if (job.kind === 'final') {
      this.failedDecodes = 0;
      this.policy.reset();
      this.dropBefore(job.audioEndMs);
      return { gaveUp: true, retryInMs: 0 };
    }
    return { gaveUp: false, retryInMs: this.retryAt - now };
  }

  /** Applies a decode result; returns the segments to publish (finals first, then a partial). */
  applyResult(
    job: DecodeJob,
    decoded: readonly TimedWord[],
    now = Date.now(),
  ): TranscriptSegment[] {
    const words = job.reuse?.words ?? decoded;
    const audioMs = job.reuse?.audioMs ?? (job.audio.length * 1000) / PcmBuffer.SAMPLE_RATE;
    if (job.kind === 'partial')
      this.lastPartial = {
        words,
        bufferStartMs: job.bufferStartMs,
        audioEndMs: job.audioEndMs,
        audioMs,
      };
    this.busy = false;
    this.failedDecodes = 0;
    const timed = monotonicTimes(
      dropRepetitions(withinAudio(words, audioMs)).map((w) => ({
        ...w,
        startMs: w.startMs + job.bufferStartMs,
        endMs: w.endMs + job.bufferStartMs,
      })),
      job.bufferStartMs,
      job.audioEndMs,
    );
    const out: TranscriptSegment[] = [];
    const committed =
      job.kind === 'final'
        ? this.policy.flush(timed)
        : this.policy.update(timed, job.audioEndMs - this.options.commitGuardMs);
    if (committed.length > 0 || job.endOfTurn) {
      // A turn always ends with a final carrying end_of_turn, even when every word was
      // already agreed on earlier (then its text is empty: it only marks the turn's end).
      out.push(this.segment(SegmentKind.SEGMENT_KIND_FINAL, committed, job, now, job.endOfTurn));
    }
    if (job.kind === 'final') {
      // The utterance is done; the audio after its cut belongs to the next one.
      this.remember(this.policy.committedWords);
      this.policy.reset();
      this.lastPartial = undefined;
      this.dropBefore(job.audioEndMs);
      this.dropLeadingSilence();
    } else {
      const tentative = this.policy.tentative;
      if (tentative.length > 0)
        out.push(this.segment(SegmentKind.SEGMENT_KIND_PARTIAL, tentative, job, now, false));
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
      startMs: Math.max(0, Math.round(first?.startMs ?? job.audioEndMs)),
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
    const { options } = this;
    if (probability >= options.speechThreshold) {
      if (!this.inSpeech) {
        this.inSpeech = true;
        this.speechMs = 0;
        // The utterance starts with a pre-roll, but never inside the one before it.
        this.utteranceStartMs = Math.max(
          this.pendingFinal?.cutMs ?? this.buffer.startMs,
          this.buffer.endMs - frameMs - options.prerollMs,
        );
        this.lastDecodedEndMs = this.utteranceStartMs;
        if (!this.pendingFinal && !this.busy) this.dropBefore(this.utteranceStartMs);
      }
      this.turnOpen = false;
      this.speechMs += frameMs;
      this.silenceRunMs = 0;
      this.lastSpeechMs = this.buffer.endMs;
      if (this.buffer.endMs - this.utteranceStartMs >= options.maxUtteranceMs) this.forceCut();
      return;
    }
    if (probability < options.silenceThreshold) this.silenceRunMs += frameMs;
    if (!this.inSpeech) {
      if (this.turnOpen && this.buffer.endMs - this.lastSpeechMs >= options.endSilenceMs) {
        // The pause after a short-pause utterance grew into the end of the turn.
        this.turnOpen = false;
        this.requestFinal(this.pendingFinal?.cutMs ?? this.utteranceStartMs, true, -Infinity);
      }
      // Between utterances only a pre-roll is kept — unless the last utterance still waits
      // for (or is in) its final decode, which needs its audio.
      if (!this.pendingFinal && !this.busy) this.keepPreroll();
      return;
    }
    const utteranceMs = this.buffer.endMs - this.utteranceStartMs;
    if (this.silenceRunMs >= options.endSilenceMs) this.endUtterance(true);
    else if (this.silenceRunMs >= options.softEndSilenceMs && utteranceMs >= options.softEndAfterMs)
      this.endUtterance(false);
  }

  /** The speech of the current utterance ended (at a pause, or with the stream). */
  private endUtterance(endOfTurn: boolean): void {
    this.inSpeech = false;
    this.silenceRunMs = 0;
    if (this.speechMs < this.options.minSpeechMs) {
      // A click, not words: forget it (unless an earlier utterance's final still needs the audio).
      if (!this.pendingFinal && !this.busy) this.keepPreroll();
      if (endOfTurn && this.turnOpen) this.requestFinal(this.utteranceStartMs, true, -Infinity);
      this.turnOpen = this.turnOpen && !endOfTurn;
      return;
    }
    const cutMs = Math.min(this.buffer.endMs, this.lastSpeechMs + TRAILING_AUDIO_MS);
    this.requestFinal(cutMs, endOfTurn, this.lastSpeechMs);
    this.turnOpen = !endOfTurn;
    this.speechMs = 0;
    this.utteranceStartMs = cutMs;
  }

  /** Speech without a pause reached the longest utterance: cut it at its quietest recent frame. */
  private forceCut(): void {
    const end = this.buffer.endMs;
    let cut: { endMs: number; p: number } | undefined;
    for (const frame of this.frames) {
      if (frame.endMs < end - CUT_SEARCH_MS || frame.endMs > end - CUT_MARGIN_MS) continue;
      if (!cut || frame.p <= cut.p) cut = frame;
    }
    const cutMs = cut?.endMs ?? end - CUT_MARGIN_MS;
    // The utterance's partials saw audio past the cut: the final must be decoded.
    this.requestFinal(cutMs, false, Infinity);
    this.lastPartial = undefined;
    this.utteranceStartMs = cutMs;
    this.lastDecodedEndMs = cutMs;
    this.speechMs = this.lastSpeechMs - cutMs;
  }

  /**
   * Asks for a final of the audio up to `cutMs` (merged with one that is still waiting), whose
   * speech ends at `speechEndMs`; an end-of-turn mark alone brings no speech (-Infinity).
   */
  private requestFinal(cutMs: number, endOfTurn: boolean, speechEndMs: number): void {
    const waiting = this.pendingFinal;
    this.pendingFinal = {
      cutMs: Math.max(cutMs, waiting?.cutMs ?? 0),
      endOfTurn: endOfTurn || (waiting?.endOfTurn ?? false),
      speechEndMs: Math.max(speechEndMs, waiting?.speechEndMs ?? -Infinity),
    };
  }

  /**
   * The utterance's newest partial decode, if it saw all of the utterance's speech and a pause
   * after it (a closing decode): then it is as good as a final decode of the same audio.
   */
  private coveringPartial(pending: PendingFinal): PartialResult | undefined {
    const partial = this.lastPartial;
    const { closingPauseMs } = this.options;
    if (!partial || closingPauseMs <= 0 || !Number.isFinite(pending.speechEndMs)) return undefined;
    return partial.audioEndMs >= pending.speechEndMs + closingPauseMs ? partial : undefined;
  }

  /** After a final: silence before the next speech (less a pre-roll) is not decoded. */
  private dropLeadingSilence(): void {
    const onset = this.frames.find((f) => f.p >= this.options.speechThreshold);
    if (!onset) {
      if (!this.inSpeech && !this.pendingFinal) this.keepPreroll();
      return;
    }
    const frameMs = (this.vad.frameSize * 1000) / PcmBuffer.SAMPLE_RATE;
    const from = onset.endMs - frameMs - this.options.prerollMs;
    this.dropBefore(from);
    this.utteranceStartMs = Math.max(this.utteranceStartMs, this.buffer.startMs);
    this.lastDecodedEndMs = Math.max(this.lastDecodedEndMs, this.buffer.startMs);
  }

  private keepPreroll(): void {
    this.dropBefore(this.buffer.endMs - this.options.prerollMs);
  }

  private dropBefore(ms: number): void {
    this.buffer.dropBefore(ms);
    const start = this.buffer.startMs;
    let drop = 0;
    while (drop < this.frames.length && (this.frames[drop]?.endMs ?? 0) <= start) drop++;
    if (drop > 0) this.frames = this.frames.slice(drop);
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
