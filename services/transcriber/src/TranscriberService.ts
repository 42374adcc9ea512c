import { AppError, type Logger } from '@lm/kit';
import type { AudioChunk } from '@lm/proto/audio/v1/audio';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { audioTopic, transcriptsTopic, type Bus, type Subscription } from '@lm/streams';
import { DecodeScheduler } from './DecodeScheduler.js';
import { s16leToFloat32 } from './PcmBuffer.js';
import type { Recognizer, SpeechDetector } from './ports.js';
import type { CheckpointStore } from './SessionCheckpoints.js';
import {
  DEFAULT_STREAM_POLICY,
  SegmentNumbering,
  StreamTranscriber,
  type StreamPolicy,
} from './StreamTranscriber.js';

export interface TranscriberServiceOptions {
  bus: Bus;
  recognizer: Recognizer;
  /** A fresh VAD state for each stream. */
  createDetector: () => SpeechDetector;
  checkpoints: CheckpointStore;
  logger: Logger;
  policy?: StreamPolicy;
  /** Consumer group: replicas in one group split the audio partitions (and so the sessions). */
  group?: string;
  /** Decodes run at once (each whisper decode already uses several threads). */
  decodeConcurrency?: number;
}

interface SessionState {
  numbering: SegmentNumbering;
  streams: Map<string, StreamTranscriber>;
}

/**
 * Consumes live audio from the bus, transcribes every stream with one resident model, and
 * publishes partial and final segments. Sessions are spread over replicas by partition.
 */
export class TranscriberService {
  private readonly sessions = new Map<string, SessionState>();
  private readonly opening = new Map<string, Promise<StreamTranscriber>>();
  private readonly scheduler: DecodeScheduler;
  private subscription: Subscription | undefined;
  private readonly log: Logger;
  /** Segments published, by kind: for metrics and tests. */
  readonly published = { partial: 0, final: 0 };
  /** Streams whose end was reached and fully finalised. */
  finishedStreams = 0;

  constructor(private readonly options: TranscriberServiceOptions) {
    this.log = options.logger.child({ component: 'transcriber' });
    this.scheduler = new DecodeScheduler(
      options.recognizer,
      (stream, segments) => this.emit(stream, segments),
      this.log,
      options.decodeConcurrency ?? 1,
    );
  }

  get stats() {
    return {
      ...this.scheduler.stats,
      streams: this.scheduler.size,
      finishedStreams: this.finishedStreams,
      published: { ...this.published },
    };
  }

  async start(): Promise<void> {
    await this.options.bus.ensureTopics([audioTopic, transcriptsTopic]);
    this.subscription = await this.options.bus.subscribe(
      audioTopic,
      { group: this.options.group ?? 'lm-transcriber', fromBeginning: false, concurrency: 12 },
      (chunk) => this.onChunk(chunk),
    );
    this.log.info('transcriber consuming audio');
  }

  /** Stops taking audio, finishes running decodes, and leaves the consumer group. */
  async close(): Promise<void> {
    await this.subscription?.close();
    await this.scheduler.idle();
    this.scheduler.close();
  }

  /** Resolves when every decode that is due has run (tests, benchmarks). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  private async onChunk(chunk: AudioChunk): Promise<void> {
    if (chunk.sampleRate !== 16_000 && !chunk.endOfStream) {
      throw new AppError(
        'invalid_argument',
        `audio chunk at ${chunk.sampleRate} Hz; the bus carries 16 kHz`,
      );
    }
    const stream = await this.stream(chunk.sessionId, chunk.streamId);
    if (chunk.endOfStream) {
      stream.end();
      this.log.info(
        { session: chunk.sessionId, stream: chunk.streamId, reason: chunk.endReason },
        'stream ended',
      );
      if (stream.isIdle) await this.finish(stream);
    } else if (!stream.isEnded) {
      await stream.push(
        s16leToFloat32(chunk.pcm),
        Number(chunk.startMs),
        Number(chunk.capturedAtMs),
      );
    }
    this.scheduler.kick();
  }

  private async stream(sessionId: string, streamId: string): Promise<StreamTranscriber> {
    const key = `${sessionId}/${streamId}`;
    const existing = this.sessions.get(sessionId)?.streams.get(streamId);
    if (existing) return existing;
    let opening = this.opening.get(key);
    if (!opening) {
      opening = this.openStream(sessionId, streamId).finally(() => this.opening.delete(key));
      this.opening.set(key, opening);
    }
    return opening;
  }

  private async openStream(sessionId: string, streamId: string): Promise<StreamTranscriber> {
    let session = this.sessions.get(sessionId);
    if (!session) {
      const next = await this.options.checkpoints.nextSegmentIndex(sessionId);
      session = this.sessions.get(sessionId) ?? {
        numbering: new SegmentNumbering(next),
        streams: new Map(),
      };
      this.sessions.set(sessionId, session);
    }
    const checkpoint = await this.options.checkpoints.load(sessionId, streamId);
    const stream = new StreamTranscriber(
      sessionId,
      streamId,
      this.options.createDetector(),
      this.options.policy ?? DEFAULT_STREAM_POLICY,
      session.numbering,
      checkpoint?.finalisedUntilMs ?? 0,
    );
    if (checkpoint?.ended) stream.end();
    session.streams.set(streamId, stream);
    this.scheduler.add(stream);
    this.log.info(
      { session: sessionId, stream: streamId, resumed: Boolean(checkpoint) },
      'stream opened',
    );
    return stream;
  }

  private async emit(stream: StreamTranscriber, segments: TranscriptSegment[]): Promise<void> {
    if (segments.length > 0) await this.options.bus.publish(transcriptsTopic, segments);
    let finals = 0;
    for (const segment of segments) {
      if (segment.kind === SegmentKind.SEGMENT_KIND_FINAL) finals += 1;
      else this.published.partial += 1;
    }
    this.published.final += finals;
    if (stream.isEnded && stream.isIdle) await this.finish(stream);
    else if (finals > 0) await this.checkpoint(stream, false);
  }

  /** Published first, then remembered: a crash in between repeats a final with the same id
   * (deduplicated downstream) rather than losing it. */
  private checkpoint(stream: StreamTranscriber, ended: boolean): Promise<void> {
    return this.options.checkpoints.save({
      sessionId: stream.sessionId,
      streamId: stream.streamId,
      nextSegmentIndex: stream.nextSegmentIndex,
      finalisedUntilMs: stream.finalisedUntilMs,
      ended,
    });
  }

  /** Tells every consumer the stream is fully transcribed, then remembers it ended. */
  private async finish(stream: StreamTranscriber): Promise<void> {
    await this.options.bus.publish(transcriptsTopic, stream.streamEndedMarker());
    await this.checkpoint(stream, true);
    this.forget(stream);
    this.finishedStreams += 1;
  }

  private forget(stream: StreamTranscriber): void {
    this.scheduler.remove(stream);
    const session = this.sessions.get(stream.sessionId);
    session?.streams.delete(stream.streamId);
    if (session && session.streams.size === 0) this.sessions.delete(stream.sessionId);
  }
}
