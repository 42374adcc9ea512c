import { createReadStream } from 'node:fs';
import { decodeToPcm16k } from '@lm/audio';
import type { Db } from '@lm/db';
import type { TranscriptStore } from '@lm/library';
import { AppError, type Logger } from '@lm/kit';
import {
  VAD_FRAME_SAMPLES,
  VAD_SAMPLE_RATE,
  type Recognition,
  type RecognizeOptions,
  type SileroVad,
} from '@lm/models';
import { Job, JobKind, JobState } from '@lm/proto/jobs/v1/jobs';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import {
  BusHandlerError,
  jobsTopic,
  type Bus,
  type Delivery,
  type Subscription,
} from '@lm/streams';
import { jobMessage } from './jobMessages.js';
import type { RecordingStorage } from './RecordingStorage.js';
import { WindowPlanner, type DecodeWindow } from './WindowPlanner.js';

/** The resident whisper model (WhisperRecognizer) or anything that decodes the same way. */
export interface WindowRecognizer {
  recognize(pcm16k: Float32Array, options?: RecognizeOptions): Promise<Recognition>;
}

export interface RecordingTranscriberOptions {
  bus: Bus;
  db: Db;
  transcripts: TranscriptStore;
  storage: RecordingStorage;
  recognizer: WindowRecognizer;
  vad: SileroVad;
  logger: Logger;
  /** Consumer group of the workers; replicas share the jobs topic's partitions. */
  group?: string;
  /** Longer recordings fail with payload_too_large (the decoded audio is held in memory). */
  maxDurationMs?: number;
  language?: string;
  /** Attempts for a transient failure before the job is marked failed. */
  maxAttempts?: number;
  /**
   * Longest window given to whisper at once. Below 20 s the resident model shrinks its encoder
   * window to the audio (WhisperRecognizer's trimAudioContext), which costs less per second of
   * audio than whisper's fixed 30 s window; so the default stays just under it.
   */
  maxWindowMs?: number;
}

/**
 * The resident whisper model's settings for batch work: a recording is not live, so its windows
 * get a 5-wide beam search (about two points of word error rate better than greedy, for about
 * 1.6× the decode time).
 */
export const BATCH_WHISPER_OPTIONS = { beamSize: 5 } as const;

const SAMPLES_PER_MS = VAD_SAMPLE_RATE / 1000;
const FRAME_MS = (VAD_FRAME_SAMPLES * 1000) / VAD_SAMPLE_RATE;
/** Share of the progress bar for decoding and VAD; the windows fill the rest. */
const PREPARE_SHARE = 0.1;

/**
 * The batch transcription worker. Takes queued `transcribe_recording` requests from the jobs topic
 * (consumer group, at-least-once: the offset is committed after the job has finished), decodes
 * the upload with ffmpeg, cuts it into windows of at most 30 s (default 19.5 s) on VAD boundaries, decodes each window with
 * whisper and stores its segments as finals of the recording's session, reporting progress after
 * every window in the database and on the topic.
 *
 * Idempotent: a redelivered request for a job that already finished is skipped; a job that was
 * running when its worker died runs again from the start, and the transcript's primary key
 * (session, segment index) keeps each final once — windows and segment numbers are the same on
 * every run because they follow from the audio alone.
 */
export class RecordingTranscriber {
  private subscription: Subscription | undefined;
  private readonly planner: WindowPlanner;
  private readonly group: string;
  private readonly maxDurationMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: RecordingTranscriberOptions) {
    this.group = options.group ?? 'lm-jobs-transcriber';
    this.maxDurationMs = options.maxDurationMs ?? 3 * 3600 * 1000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.planner = new WindowPlanner({
      frameMs: FRAME_MS,
      maxWindowMs: options.maxWindowMs ?? 19_500,
    });
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe(
      jobsTopic,
      // Requests published before the first start (or while no worker ran) are still there.
      {
        group: this.group,
        fromBeginning: true,
        concurrency: 1,
        retry: { maxAttempts: this.maxAttempts },
      },
      (job, delivery) => this.handle(job, delivery),
    );
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /** One message of the jobs topic; exposed for tests that feed a delivery directly. */
  async handle(job: Job, delivery: Pick<Delivery, 'attempt'>): Promise<void> {
    // The topic also carries status updates and other kinds of jobs: only requests are work.
    if (job.kind !== JobKind.JOB_KIND_TRANSCRIBE_RECORDING) return;
    if (job.state !== JobState.JOB_STATE_QUEUED) return;
    const { db, logger } = this.options;
    const row = await db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', job.jobId)
      .executeTakeFirst();
    if (!row) {
      logger.warn({ job: job.jobId }, 'job request for an unknown (deleted?) job; skipped');
      return;
    }
    if (row.state === 'succeeded' || row.state === 'failed') {
      logger.info({ job: row.id, state: row.state }, 'job already finished; redelivery skipped');
      return;
    }
    if (row.state === 'running')
      logger.warn(
        { job: row.id, attempt: row.attempt },
        'job was running when its worker stopped; running it again',
      );

    const log = logger.child({ job: row.id, recording: row.subject_id });
    const startedAt = Date.now();
    await this.update(row.id, { state: 'running', progress: 0, attempt: row.attempt + 1 });
    try {
      const { durationMs, segments } = await this.transcribe(row.id, row.subject_id, log);
      await this.update(row.id, { state: 'succeeded', progress: 1 });
      const elapsedMs = Date.now() - startedAt;
      log.info(
        { durationMs, elapsedMs, rtf: durationMs > 0 ? elapsedMs / durationMs : 0, segments },
        'recording transcribed',
      );
    } catch (error) {
      const appError = AppError.from(error);
      if (appError.retryable && delivery.attempt < this.maxAttempts) {
        log.warn({ err: error, attempt: delivery.attempt }, 'transcription failed; will retry');
        // The bus retries a retryable failure with backoff; the job shows as queued meanwhile.
        await this.update(row.id, { state: 'queued', progress: 0 }).catch(() => undefined);
        throw new BusHandlerError(appError.code, appError.message, {
          retryable: true,
          cause: error,
        });
      }
      const message =
        appError.code === 'internal' ? 'Transcription failed unexpectedly' : appError.message;
      if (appError.code === 'internal') log.error({ err: error }, 'transcription failed');
      else log.warn({ code: appError.code, reason: appError.message }, 'transcription failed');
      await this.update(row.id, {
        state: 'failed',
        errorCode: appError.code,
        errorMessage: message,
      });
    }
  }

  private async transcribe(
    jobId: string,
    recordingId: string,
    log: Logger,
  ): Promise<{ durationMs: number; segments: number }> {
    const { db, storage, transcripts, vad, recognizer } = this.options;
    const recording = await this.recordingRow(recordingId);
    const samples = await decodeToPcm16k(createReadStream(storage.path(recordingId))).catch(
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new AppError('not_found', "The recording's audio file is missing", {
            cause: error,
          });
        throw error;
      },
    );
    const durationMs = Math.round(samples.length / SAMPLES_PER_MS);
    await db.kysely
      .updateTable('recordings')
      .set({ duration_ms: durationMs })
      .where('id', '=', recordingId)
      .execute();
    if (durationMs > this.maxDurationMs)
      throw new AppError(
        'payload_too_large',
        `The recording is ${Math.round(durationMs / 60_000)} min long; the limit is ${Math.round(this.maxDurationMs / 60_000)} min`,
      );
    await this.update(jobId, { state: 'running', progress: PREPARE_SHARE / 2 });

    // Speech probabilities for the whole file, so windows end in pauses and silence is skipped.
    const stream = vad.createStream();
    const probabilities: number[] = [];
    const frame = new Float32Array(VAD_FRAME_SAMPLES);
    for (let i = 0; i + VAD_FRAME_SAMPLES <= samples.length; i += VAD_FRAME_SAMPLES) {
      for (let j = 0; j < VAD_FRAME_SAMPLES; j++) frame[j] = (samples[i + j] ?? 0) / 32768;
      probabilities.push(await vad.process(stream, frame));
    }
    const windows = this.planner.plan(probabilities, durationMs);
    const speechMs = windows.reduce((sum, w) => sum + (w.endMs - w.startMs), 0);
    log.info({ durationMs, windows: windows.length, speechMs }, 'recording decoded; transcribing');
    await this.update(jobId, { state: 'running', progress: PREPARE_SHARE });

    let segmentIndex = 0;
    let doneMs = 0;
    for (const window of windows) {
      const recognition = await recognizer.recognize(toFloat(samples, window), {
        language: this.options.language ?? 'en',
      });
      const finals = recognition.segments.map((segment) =>
        toFinal(
          recording.session_id,
          segmentIndex++,
          segment,
          window,
          this.options.language ?? 'en',
        ),
      );
      // A recording deleted meanwhile gets no transcript back.
      await this.recordingRow(recordingId);
      await transcripts.saveFinals(finals);
      doneMs += window.endMs - window.startMs;
      await this.update(jobId, {
        state: 'running',
        progress: PREPARE_SHARE + (1 - PREPARE_SHARE) * (speechMs > 0 ? doneMs / speechMs : 1),
      });
    }
    return { durationMs, segments: segmentIndex };
  }

  private async recordingRow(recordingId: string) {
    const row = await this.options.db.kysely
      .selectFrom('recordings')
      .select(['id', 'session_id'])
      .where('id', '=', recordingId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `Recording ${recordingId} was deleted`);
    return row;
  }

  /** Writes the job's new state and publishes it as a status update. */
  private async update(
    jobId: string,
    change: {
      state: 'queued' | 'running' | 'succeeded' | 'failed';
      progress?: number;
      attempt?: number;
      errorCode?: string;
      errorMessage?: string;
    },
  ): Promise<void> {
    const row = await this.options.db.kysely
      .updateTable('jobs')
      .set({
        state: change.state,
        ...(change.progress !== undefined
          ? { progress: Math.min(1, Math.max(0, change.progress)) }
          : {}),
        ...(change.attempt !== undefined ? { attempt: change.attempt } : {}),
        error_code: change.errorCode ?? null,
        error_message: change.errorMessage ?? null,
        updated_at: new Date(),
      })
      .where('id', '=', jobId)
      .returningAll()
      .executeTakeFirst();
    if (row) await this.options.bus.publish(jobsTopic, jobMessage(row));
  }
}

function toFloat(samples: Int16Array, window: DecodeWindow): Float32Array {
  const from = Math.floor(window.startMs * SAMPLES_PER_MS);
  const to = Math.min(samples.length, Math.ceil(window.endMs * SAMPLES_PER_MS));
  const out = new Float32Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) out[i] = (samples[from + i] ?? 0) / 32768;
  return out;
}

function toFinal(
  sessionId: string,
  segmentIndex: number,
  segment: Recognition['segments'][number],
  window: DecodeWindow,
  language: string,
): TranscriptSegment {
  // Whisper's times are relative to the window; the transcript's are recording time.
  const at = (ms: number) => Math.round(Math.min(window.endMs, window.startMs + Math.max(0, ms)));
  return TranscriptSegment.fromPartial({
    sessionId,
    streamId: 'recording',
    segmentIndex,
    revision: 0,
    kind: SegmentKind.SEGMENT_KIND_FINAL,
    text: segment.text,
    words: segment.words.map((w) => ({
      text: w.text,
      startMs: at(w.startMs),
      endMs: at(w.endMs),
      confidence: w.confidence,
    })),
    startMs: at(segment.startMs),
    endMs: at(segment.endMs),
    language,
    emittedAtMs: Date.now(),
  });
}
