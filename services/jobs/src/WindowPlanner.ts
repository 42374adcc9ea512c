import { SpeechSegmenter, type SpeechSegment } from '@lm/models';

/** A stretch of a recording decoded by whisper in one call. */
export interface DecodeWindow {
  startMs: number;
  endMs: number;
}

export interface WindowPlannerOptions {
  /** Whisper's encoder sees at most 30 s; a little less leaves room for the padding. */
  maxWindowMs?: number;
  /** Audio kept around each speech segment, so first and last words are not clipped. */
  paddingMs?: number;
  /** Duration of one VAD frame (Silero v5: 32 ms). */
  frameMs: number;
}

/**
 * Cuts a recording into whisper-sized windows on VAD boundaries: consecutive speech segments are
 * packed into one window while it stays under `maxWindowMs`, and a window always ends in a pause,
 * so no word is cut in two. Silence between windows is never decoded (whisper invents text on
 * silence). A single segment longer than the limit is split at its quietest frame.
 */
export class WindowPlanner {
  private readonly maxWindowMs: number;
  private readonly paddingMs: number;

  constructor(private readonly options: WindowPlannerOptions) {
    this.maxWindowMs = options.maxWindowMs ?? 28_000;
    this.paddingMs = options.paddingMs ?? 200;
  }

  /** Windows for a whole recording, from its per-frame speech probabilities. */
  plan(probabilities: readonly number[], durationMs: number): DecodeWindow[] {
    const segments = SpeechSegmenter.segments([...probabilities], {
      frameMs: this.options.frameMs,
      // Sentences, not words: a longer pause makes a better place to cut.
      minSilenceMs: 400,
    }).flatMap((s) => this.splitLong(s, probabilities));

    const windows: DecodeWindow[] = [];
    let current: DecodeWindow | undefined;
    for (const segment of segments) {
      const start = Math.max(0, segment.startMs - this.paddingMs);
      const end = Math.min(durationMs, segment.endMs + this.paddingMs);
      if (current && end - current.startMs <= this.maxWindowMs) {
        current.endMs = end;
        continue;
      }
      if (current) windows.push(current);
      // Padding never reaches back into the previous window.
      const previousEnd = windows.at(-1)?.endMs ?? 0;
      current = { startMs: Math.max(start, previousEnd), endMs: end };
    }
    if (current) windows.push(current);
    return windows;
  }

  /** Splits a segment longer than a window at the least speech-like frame of its second half. */
  private splitLong(segment: SpeechSegment, probabilities: readonly number[]): SpeechSegment[] {
    const limit = this.maxWindowMs - 2 * this.paddingMs;
    if (segment.endMs - segment.startMs <= limit) return [segment];
    const frameMs = this.options.frameMs;
    const firstFrame = Math.floor((segment.startMs + limit / 2) / frameMs);
    const lastFrame = Math.floor((segment.startMs + limit) / frameMs) - 1;
    let cutFrame = lastFrame;
    for (let f = lastFrame; f >= firstFrame; f--) {
      if ((probabilities[f] ?? 1) < (probabilities[cutFrame] ?? 1)) cutFrame = f;
    }
    const cutMs = Math.max(segment.startMs + frameMs, cutFrame * frameMs);
    return [
      { startMs: segment.startMs, endMs: cutMs },
      ...this.splitLong({ startMs: cutMs, endMs: segment.endMs }, probabilities),
    ];
  }
}
