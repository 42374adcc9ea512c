import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { Logger } from '@lm/kit';
import type { RecognizeRequest, Recognizer } from './ports.js';
import type { DecodeJob, DecodeNeed, StreamTranscriber } from './StreamTranscriber.js';

export interface DecodeChoice {
  stream: StreamTranscriber;
  need: DecodeNeed;
}

/**
 * From this many live streams on, partials between pauses are drafts (decision 0025). With
 * whisper-base for every decode, two streams kept the partial p95 near 1.6–1.8 s and four near
 * 1.8–1.9 s; with tiny.en drafts both stayed under 1.5 s, for about five points of word error
 * rate on the espeak-ng benchmark voices.
 */
export const DRAFT_FROM_STREAMS = 2;

/**
 * What a job asks of the recogniser: nothing (undefined) for a final served by its utterance's
 * closing partial or one that only marks the end of a turn; otherwise the decode's options.
 * With the model to one stream (a lecture, a student's question), a final is decoded more
 * thoroughly. Not with more: a beam decode takes about 1.6× as long, and at four streams doing it
 * whenever no other stream was waiting raised the partial p95 from 2.2 s to 3.7 s. From
 * `draftFromStreams` live streams on (0: never), partials between pauses ask for a draft, unless
 * their stream's policy says no (tutoring).
 */
export function recognizeRequest(
  job: DecodeJob,
  liveStreams: number,
  draftFromStreams: number,
): RecognizeRequest | undefined {
  if (job.reuse !== undefined || job.audio.length === 0) return undefined;
  return {
    prompt: job.prompt,
    provisional: job.provisional,
    thorough: !job.provisional && liveStreams === 1,
    draft: job.mayDraft && draftFromStreams > 0 && liveStreams >= draftFromStreams,
  };
}

const RANK: Record<DecodeNeed, number> = { final: 2, closing: 1, partial: 0 };

function waitedLonger(need: DecodeNeed, a: StreamTranscriber, b: StreamTranscriber): boolean {
  if (need === 'partial' && a.undecodedMs !== b.undecodedMs) return a.undecodedMs > b.undecodedMs;
  return a.lastServedAt < b.lastServedAt;
}

/**
 * Which stream decodes next: finals first (a final ends an utterance and frees its buffer), then
 * closing partials (a pause: that decode will likely be the utterance's final), then partials.
 * Among partials, the stream with the most speech no decode has seen yet (a new utterance's first
 * words count from its start, not from the stream's last decode); otherwise, and among finals,
 * the stream that has waited longest since its last decode.
 */
export function pickNextDecode(
  streams: Iterable<StreamTranscriber>,
  now = Date.now(),
): DecodeChoice | undefined {
  let best: DecodeChoice | undefined;
  for (const stream of streams) {
    const need = stream.wants(now);
    if (!need) continue;
    if (
      !best ||
      RANK[need] > RANK[best.need] ||
      (need === best.need && waitedLonger(need, stream, best.stream))
    ) {
      best = { stream, need };
    }
  }
  return best;
}

/** One finished decode, for metrics. */
export interface DecodeObservation {
  kind: 'partial' | 'final';
  decodeMs: number;
  audioMs: number;
  /** Age of the newest audio in the decode when it finished (capture to result). */
  lagMs: number;
  failed: boolean;
  /** Nothing was decoded: a final served by its utterance's closing partial, or a turn's end mark. */
  skipped: boolean;
  /** A partial that asked for a draft. */
  draft: boolean;
}

export interface DecodeStats {
  decodes: { partial: number; final: number };
  failures: number;
  /** Sum of decode wall time (ms), for the real-time factor. */
  decodeMs: number;
  /** Sum of audio decoded (ms). */
  audioMs: number;
}

export interface DecodeSchedulerOptions {
  /** Decodes run at once (each whisper decode already uses several threads). */
  concurrency?: number | undefined;
  /**
   * Live streams from which partials ask for drafts; 0 (the default): never, for a recogniser
   * without a draft model.
   */
  draftFromStreams?: number | undefined;
  /** Told of every decode (metrics). */
  observe?: ((decode: DecodeObservation) => void) | undefined;
}

/**
 * Shares one resident recogniser between many live streams. Each stream asks for at most one
 * decode at a time and always gets its newest audio, so when the machine falls behind, streams
 * simply get fewer partial decodes (load is shed) instead of a queue that grows without bound.
 * Finals go first; partials are served round-robin, the longest-waiting stream first.
 */
export class DecodeScheduler {
  private readonly streams = new Set<StreamTranscriber>();
  private running = 0;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  readonly stats: DecodeStats = {
    decodes: { partial: 0, final: 0 },
    failures: 0,
    decodeMs: 0,
    audioMs: 0,
  };

  private readonly concurrency: number;
  private readonly draftFromStreams: number;
  private readonly observe: (decode: DecodeObservation) => void;

  constructor(
    private readonly recognizer: Recognizer,
    private readonly emit: (
      stream: StreamTranscriber,
      segments: TranscriptSegment[],
    ) => Promise<void>,
    private readonly logger: Logger,
    options: DecodeSchedulerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.draftFromStreams = options.draftFromStreams ?? 0;
    this.observe = options.observe ?? (() => undefined);
  }

  add(stream: StreamTranscriber): void {
    this.streams.add(stream);
  }

  remove(stream: StreamTranscriber): void {
    this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  /** Call after new audio arrived: starts decodes while there is work and capacity. */
  kick(): void {
    while (!this.closed && this.running < this.concurrency) {
      const next = this.pick();
      if (!next) break;
      this.running += 1;
      void this.decode(next.stream, next.need).finally(() => {
        this.running -= 1;
        this.kick();
        if (this.running === 0 && !this.pick())
          this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  /** Resolves when no decode runs and none is wanted (tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && !this.pick()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
  }

  private pick(): DecodeChoice | undefined {
    return pickNextDecode(this.streams);
  }

  private async decode(stream: StreamTranscriber, need: DecodeNeed): Promise<void> {
    const job = stream.takeJob(need);
    const { kind } = job;
    stream.lastServedAt = Date.now();
    const started = performance.now();
    let segments: TranscriptSegment[];
    let failed = false;
    const request = recognizeRequest(job, this.streams.size, this.draftFromStreams);
    const skipped = request === undefined;
    try {
      const words = request ? await this.recognizer.recognize(job.audio, request) : [];
      segments = stream.applyResult(job, words);
      this.logger.debug(
        {
          session: stream.sessionId,
          stream: stream.streamId,
          kind,
          audioMs: Math.round((job.audio.length * 1000) / 16_000),
          decodeMs: Math.round(performance.now() - started),
          words: words.length,
          segments: segments.map(
            (s) =>
              `${s.kind === SegmentKind.SEGMENT_KIND_FINAL ? 'F' : 'P'}${s.segmentIndex}:${s.text}`,
          ),
        },
        'decoded',
      );
    } catch (error) {
      failed = true;
      this.stats.failures += 1;
      const { gaveUp, retryInMs } = stream.releaseJob(job);
      this.logger.error(
        { session: stream.sessionId, stream: stream.streamId, kind, gaveUp, err: error },
        gaveUp
          ? 'decode failed three times; audio of this utterance dropped'
          : 'decode failed; will retry',
      );
      if (!gaveUp) setTimeout(() => this.kick(), retryInMs + 10).unref();
      // Nothing to publish, but an ended stream whose last audio was given up is finished now.
      await this.emit(stream, []);
      return;
    } finally {
      const decodeMs = performance.now() - started;
      const audioMs = (job.audio.length * 1000) / 16_000;
      this.stats.decodeMs += decodeMs;
      this.stats.audioMs += audioMs;
      this.observe({
        kind,
        decodeMs,
        audioMs,
        lagMs: job.capturedAtMs > 0 ? Date.now() - job.capturedAtMs : 0,
        failed,
        skipped,
        draft: request?.draft ?? false,
      });
    }
    this.stats.decodes[kind] += 1;
    // Called even with nothing to publish: an ended stream may be finished now.
    await this.emit(stream, segments);
  }
}
