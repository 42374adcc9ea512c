import { AppError, type Logger } from '@lm/kit';
import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import {
  audioTopic,
  transcriptsTopic,
  type Bus,
  type Delivery,
  type Subscription,
} from '@lm/streams';
import { DecodeScheduler, type DecodeObservation } from './DecodeScheduler.js';
import { HeldAudio } from './HeldAudio.js';
import { s16leToFloat32 } from './PcmBuffer.js';
import { ResumeFilter } from './ResumeFilter.js';
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
  /**
   * Changes to `policy` for tutoring audio (chunks with purpose TUTOR): a student talking to the
   * tutor waits for its answer, so the end of their turn is called sooner than a lecturer's.
   */
  tutoringPolicy?: Partial<StreamPolicy>;
  /** Consumer group: replicas in one group split the audio partitions (and so the sessions). */
  group?: string;
  /** Decodes run at once (each whisper decode already uses several threads). */
  decodeConcurrency?: number;
  /**
   * Live streams from which partials ask the recogniser for drafts; 0 or unset: never (set it
   * with a recogniser that has a draft model: `liveModelsFromEnv`, `loadLiveRecognizer`).
   */
  draftFromStreams?: number;
  /** Told of every decode (metrics). */
  onDecode?: (decode: DecodeObservation) => void;
}

interface SessionState {
  numbering: SegmentNumbering;
  streams: Map<string, StreamTrack>;
}

/** A live stream and what resuming it elsewhere would take. */
interface StreamTrack {
  readonly stream: StreamTranscriber;
  /** Its chunks' offsets on the audio topic: the consumer group's commits wait for them. */
  readonly audio: HeldAudio;
  /** Stream time of the oldest audio still needed, as last seen with no decode or emit under way. */
  neededMs: number;
  /** Emits under way: the decoded audio stays held until their finals are checkpointed. */
  emitting: number;
  /** A resumed stream: takes out re-decoded words that finals before the restart had. */
  readonly resume: ResumeFilter | undefined;
  /** The stream's last finals: written ahead with the new ones (their words guide a resume). */
  recentFinals: TranscriptSegment[];
  /** Its partition went to another transcriber, which re-reads the held audio: publish nothing. */
  revoked: boolean;
  /** The stream-ended marker is being (or was) published. */
  finishing: boolean;
}

/** Ended streams remembered, so that re-read chunks of them are ignored without a lookup. */
const FINISHED_MEMORY = 10_000;
/** Finals per stream kept in the checkpoint's write-ahead (published again after a restart). */
const WRITE_AHEAD_FINALS = 4;

/**
 * Consumes live audio from the bus, transcribes every stream with one resident model, and
 * publishes partial and final segments. Sessions are spread over replicas by partition.
 *
 * Crash safety: the audio subscription holds its commits back to the oldest chunk any stream of
 * a partition still needs (the unfinished utterance, and a pre-roll before it), so a transcriber
 * that takes the partition over (this one restarted, or another replica) re-reads that audio.
 * With the stream's checkpoint it continues where the finals stopped: finals are written ahead
 * into the checkpoint before they are published (a restart publishes them again with the same
 * ids, which consumers deduplicate), numbering continues from the checkpoint, and re-decoded
 * words that finals before the restart already held are left out.
 */
export class TranscriberService {
  private readonly sessions = new Map<string, SessionState>();
  private readonly tracks = new Map<StreamTranscriber, StreamTrack>();
  private readonly opening = new Map<string, Promise<StreamTrack | undefined>>();
  private readonly finished = new Set<string>();
  private readonly emitsInFlight = new Set<Promise<void>>();
  /** Set by close(): decode results are dropped from then on (the next owner redoes them). */
  private closing = false;
  /** How far before a stream's oldest needed audio the hold starts: the pre-roll and a margin. */
  private readonly holdMarginMs: number;
  private readonly scheduler: DecodeScheduler;
  private subscription: Subscription | undefined;
  private readonly log: Logger;
  /** Segments published, by kind: for metrics and tests. */
  readonly published = { partial: 0, final: 0 };
  /** Streams whose end was reached and fully finalised. */
  finishedStreams = 0;

  constructor(private readonly options: TranscriberServiceOptions) {
    this.log = options.logger.child({ component: 'transcriber' });
    this.holdMarginMs = (options.policy ?? DEFAULT_STREAM_POLICY).prerollMs + 200;
    this.scheduler = new DecodeScheduler(
      options.recognizer,
      (stream, segments) => this.emit(stream, segments),
      this.log,
      {
        concurrency: options.decodeConcurrency,
        draftFromStreams: options.draftFromStreams,
        observe: options.onDecode,
      },
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
      {
        group: this.options.group ?? 'lm-transcriber',
        fromBeginning: false,
        concurrency: 12,
        holdBack: {
          neededFrom: (partition) => this.neededFrom(partition),
          assigned: (partitions) => this.keepPartitions(partitions),
        },
      },
      (chunk, delivery) => this.onChunk(chunk, delivery),
    );
    this.log.info('transcriber consuming audio');
  }

  /**
   * Stops taking audio and leaves the consumer group. Decode results from now on are dropped and
   * what the streams need stays held back: whoever takes the partitions over re-reads the
   * unfinished utterances and finalises them itself, so two transcribers never emit the same
   * utterance. Emits already under way finish first, so the checkpoints it reads are complete.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.emitsInFlight]);
    await this.subscription?.close();
    await this.scheduler.idle();
    this.scheduler.close();
  }

  /** Resolves when every decode that is due has run (tests, benchmarks). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  private async onChunk(chunk: AudioChunk, delivery: Delivery): Promise<void> {
    if (chunk.sampleRate !== 16_000 && !chunk.endOfStream) {
      throw new AppError(
        'invalid_argument',
        `audio chunk at ${chunk.sampleRate} Hz; the bus carries 16 kHz`,
      );
    }
    // A chunk of a stream that ended here or before a restart (re-read with held-back audio).
    if (this.finished.has(`${chunk.sessionId}/${chunk.streamId}`)) return;
    const track = await this.track(chunk, delivery.partition);
    if (!track) return;
    const { stream } = track;
    if (chunk.endOfStream) {
      // Held until the stream is finished and checkpointed: after a crash it comes again.
      track.audio.add(delivery.offset, Infinity);
      stream.end();
      this.log.info(
        { session: chunk.sessionId, stream: chunk.streamId, reason: chunk.endReason },
        'stream ended',
      );
      await this.finishIfDone(track);
    } else if (!stream.isEnded) {
      const samples = s16leToFloat32(chunk.pcm);
      const startMs = Number(chunk.startMs);
      track.audio.add(delivery.offset, startMs + (samples.length * 1000) / 16_000);
      await stream.push(samples, startMs, Number(chunk.capturedAtMs));
    }
    this.observe(track);
    this.scheduler.kick();
  }

  private async track(chunk: AudioChunk, partition: number): Promise<StreamTrack | undefined> {
    const { sessionId, streamId } = chunk;
    const key = `${sessionId}/${streamId}`;
    const existing = this.sessions.get(sessionId)?.streams.get(streamId);
    if (existing) return existing;
    let opening = this.opening.get(key);
    if (!opening) {
      opening = this.openStream(sessionId, streamId, partition, chunk.purpose).finally(() =>
        this.opening.delete(key),
      );
      this.opening.set(key, opening);
    }
    return opening;
  }

  /** A stream seen for the first time here: new, or resumed from its checkpoint. */
  private async openStream(
    sessionId: string,
    streamId: string,
    partition: number,
    purpose: AudioPurpose,
  ): Promise<StreamTrack | undefined> {
    const checkpoint = await this.options.checkpoints.load(sessionId, streamId);
    if (checkpoint && checkpoint.pendingFinals.length > 0) {
      // Written ahead of a publish that may not have happened: publish them (again; same ids).
      await this.options.bus.publish(transcriptsTopic, checkpoint.pendingFinals);
      this.log.info(
        { session: sessionId, stream: streamId, finals: checkpoint.pendingFinals.length },
        'republished the finals written ahead before a restart',
      );
    }
    if (checkpoint?.ended) {
      this.rememberFinished(`${sessionId}/${streamId}`);
      return undefined;
    }
    let session = this.sessions.get(sessionId);
    if (!session) {
      const next = await this.options.checkpoints.nextSegmentIndex(sessionId);
      session = this.sessions.get(sessionId) ?? {
        numbering: new SegmentNumbering(next),
        streams: new Map(),
      };
      this.sessions.set(sessionId, session);
    }
    // The resume point goes to the ResumeFilter, not to the StreamTranscriber: words just after
    // it must be told from repeated ones by their text, which the checkpoint's finals give.
    const stream = new StreamTranscriber(
      sessionId,
      streamId,
      this.options.createDetector(),
      purpose === AudioPurpose.AUDIO_PURPOSE_TUTOR
        ? { ...(this.options.policy ?? DEFAULT_STREAM_POLICY), ...this.options.tutoringPolicy }
        : (this.options.policy ?? DEFAULT_STREAM_POLICY),
      session.numbering,
    );
    const track: StreamTrack = {
      stream,
      audio: new HeldAudio(partition),
      neededMs: -Infinity,
      emitting: 0,
      resume: checkpoint
        ? new ResumeFilter(checkpoint.finalisedUntilMs, checkpoint.pendingFinals)
        : undefined,
      recentFinals: checkpoint?.pendingFinals ?? [],
      revoked: false,
      finishing: false,
    };
    session.streams.set(streamId, track);
    this.tracks.set(stream, track);
    this.scheduler.add(stream);
    this.log.info(
      {
        session: sessionId,
        stream: streamId,
        resumed: Boolean(checkpoint),
        ...(checkpoint
          ? {
              finalisedUntilMs: checkpoint.finalisedUntilMs,
              nextSegmentIndex: session.numbering.peek(),
            }
          : {}),
      },
      'stream opened',
    );
    return track;
  }

  /**
   * Called by the bus when it commits: the oldest audio chunk on the partition that a stream
   * still needs. Audio in a decode or emit under way stays needed until its finals are saved.
   */
  private neededFrom(partition: number): string | undefined {
    let lowest: bigint | undefined;
    for (const track of this.tracks.values()) {
      if (track.audio.partition !== partition) continue;
      this.observe(track);
      const offset = track.audio.neededFrom(track.neededMs);
      if (offset !== undefined && (lowest === undefined || offset < lowest)) lowest = offset;
    }
    return lowest?.toString();
  }

  /** Takes in how far a stream's needed audio has moved on, unless a decode or emit is under way. */
  private observe(track: StreamTrack): void {
    if (this.closing || track.stream.busy || track.emitting > 0) return;
    track.neededMs = track.stream.oldestNeededMs - this.holdMarginMs;
  }

  /** After a rebalance: streams on partitions now owned by another transcriber are dropped. */
  private keepPartitions(partitions: readonly number[]): void {
    const kept = new Set(partitions);
    for (const track of [...this.tracks.values()]) {
      if (kept.has(track.audio.partition)) continue;
      track.revoked = true;
      this.forget(track);
      this.log.info(
        { session: track.stream.sessionId, stream: track.stream.streamId },
        'partition moved to another transcriber; it resumes the stream',
      );
    }
  }

  private emit(stream: StreamTranscriber, decoded: TranscriptSegment[]): Promise<void> {
    const emitting = this.publishDecoded(stream, decoded);
    this.emitsInFlight.add(emitting);
    const forget = () => this.emitsInFlight.delete(emitting);
    emitting.then(forget, forget);
    return emitting;
  }

  private async publishDecoded(
    stream: StreamTranscriber,
    decoded: TranscriptSegment[],
  ): Promise<void> {
    const track = this.tracks.get(stream);
    if (this.closing || !track || track.revoked) return;
    // Synchronously, before the first await: the decoded audio stays held until saved.
    track.emitting += 1;
    try {
      const { resume } = track;
      const segments = resume ? decoded.map((s) => resume.apply(s)) : decoded;
      const finals = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL);
      // Saved before they are published: see the class comment.
      if (finals.length > 0) {
        track.recentFinals = [...track.recentFinals, ...finals].slice(-WRITE_AHEAD_FINALS);
        await this.checkpoint(track, false, track.recentFinals);
      }
      if (segments.length > 0) await this.options.bus.publish(transcriptsTopic, segments);
      this.published.final += finals.length;
      this.published.partial += segments.length - finals.length;
    } finally {
      track.emitting -= 1;
      this.observe(track);
    }
    await this.finishIfDone(track);
  }

  /**
   * An ended stream is finished once nothing is left to decode and no emit is under way: the
   * marker must follow every final of the stream, and come once (an end chunk can arrive while
   * the last final is still being saved).
   */
  private async finishIfDone(track: StreamTrack): Promise<void> {
    const { stream } = track;
    if (track.finishing || track.emitting > 0 || !stream.isEnded || !stream.isIdle) return;
    track.finishing = true;
    await this.finish(track);
  }

  private checkpoint(
    track: StreamTrack,
    ended: boolean,
    pendingFinals: TranscriptSegment[],
  ): Promise<void> {
    const { stream } = track;
    return this.options.checkpoints.save({
      sessionId: stream.sessionId,
      streamId: stream.streamId,
      nextSegmentIndex: stream.nextSegmentIndex,
      // A resumed stream's own count starts again from its re-read audio; the store keeps the max.
      finalisedUntilMs: Math.max(stream.finalisedUntilMs, track.resume?.untilMs ?? 0),
      ended,
      pendingFinals,
    });
  }

  /** Tells every consumer the stream is fully transcribed, remembering it first. */
  private async finish(track: StreamTrack): Promise<void> {
    const { stream } = track;
    const marker = stream.streamEndedMarker();
    await this.checkpoint(track, true, [...track.recentFinals, marker].slice(-WRITE_AHEAD_FINALS));
    await this.options.bus.publish(transcriptsTopic, marker);
    this.forget(track);
    this.rememberFinished(`${stream.sessionId}/${stream.streamId}`);
    this.finishedStreams += 1;
    this.log.info(
      { session: stream.sessionId, stream: stream.streamId, segmentIndex: marker.segmentIndex },
      'stream fully transcribed',
    );
  }

  private rememberFinished(key: string): void {
    this.finished.add(key);
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  private forget(track: StreamTrack): void {
    const { stream } = track;
    this.scheduler.remove(stream);
    this.tracks.delete(stream);
    const session = this.sessions.get(stream.sessionId);
    if (session?.streams.get(stream.streamId) === track) session.streams.delete(stream.streamId);
    if (session && session.streams.size === 0) this.sessions.delete(stream.sessionId);
  }
}
