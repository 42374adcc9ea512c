import { VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE } from './SileroVad.js';

export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

export interface SpeechSegmenterOptions {
  /** Probability at which silence turns into speech. */
  startThreshold?: number;
  /** Probability below which speech may turn into silence (lower: hysteresis). */
  endThreshold?: number;
  /** Silence must last this long before a segment ends. */
  minSilenceMs?: number;
  /** Segments shorter than this are dropped as clicks. */
  minSpeechMs?: number;
  frameMs?: number;
}

export type SegmenterEvent =
  { type: 'speech-start'; atMs: number } | { type: 'speech-end'; segment: SpeechSegment };

/**
 * Turns per-frame speech probabilities into speech segments with hysteresis: speech starts at
 * `startThreshold`, and ends only after `minSilenceMs` below the lower `endThreshold`, so a
 * pause between words does not split a sentence.
 */
export class SpeechSegmenter {
  private readonly start: number;
  private readonly end: number;
  private readonly minSilenceMs: number;
  private readonly minSpeechMs: number;
  private readonly frameMs: number;
  private frames = 0;
  private speechStartMs: number | undefined;
  private silenceSinceMs: number | undefined;

  constructor(options: SpeechSegmenterOptions = {}) {
    this.start = options.startThreshold ?? 0.5;
    this.end = options.endThreshold ?? 0.35;
    this.minSilenceMs = options.minSilenceMs ?? 300;
    this.minSpeechMs = options.minSpeechMs ?? 200;
    this.frameMs = options.frameMs ?? (VAD_FRAME_SAMPLES * 1000) / VAD_SAMPLE_RATE;
  }

  get inSpeech(): boolean {
    return this.speechStartMs !== undefined;
  }

  /** Feeds the next frame's probability; returns what changed. */
  push(probability: number): SegmenterEvent[] {
    const frameStart = this.frames * this.frameMs;
    this.frames++;
    const events: SegmenterEvent[] = [];
    if (this.speechStartMs === undefined) {
      if (probability >= this.start) {
        this.speechStartMs = frameStart;
        this.silenceSinceMs = undefined;
        events.push({ type: 'speech-start', atMs: frameStart });
      }
      return events;
    }
    if (probability >= this.end) {
      this.silenceSinceMs = undefined;
      return events;
    }
    this.silenceSinceMs ??= frameStart;
    if (frameStart + this.frameMs - this.silenceSinceMs >= this.minSilenceMs) {
      const segment = { startMs: this.speechStartMs, endMs: this.silenceSinceMs };
      this.speechStartMs = undefined;
      this.silenceSinceMs = undefined;
      if (segment.endMs - segment.startMs >= this.minSpeechMs)
        events.push({ type: 'speech-end', segment });
    }
    return events;
  }

  /** Ends an open segment at the end of the stream. */
  flush(): SegmenterEvent[] {
    if (this.speechStartMs === undefined) return [];
    const endMs = this.silenceSinceMs ?? this.frames * this.frameMs;
    const segment = { startMs: this.speechStartMs, endMs };
    this.speechStartMs = undefined;
    this.silenceSinceMs = undefined;
    return endMs - segment.startMs >= this.minSpeechMs ? [{ type: 'speech-end', segment }] : [];
  }

  /** All segments of a whole probability track. */
  static segments(probabilities: number[], options?: SpeechSegmenterOptions): SpeechSegment[] {
    const s = new SpeechSegmenter(options);
    const events = [...probabilities.flatMap((p) => s.push(p)), ...s.flush()];
    return events.flatMap((e) => (e.type === 'speech-end' ? [e.segment] : []));
  }
}
