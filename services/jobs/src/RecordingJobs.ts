import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Db } from '@lm/db';
import { AppError, type Logger } from '@lm/kit';
import { jobsTopic, type Bus } from '@lm/streams';
import { jobMessage } from './jobMessages.js';
import type { RecordingStorage } from './RecordingStorage.js';
import type { JobView, Recording } from '@lm/api';
import { toJobView, toRecordingView } from './views.js';

export const DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export interface RecordingJobsOptions {
  db: Db;
  bus: Bus;
  storage: RecordingStorage;
  logger: Logger;
  /** Largest accepted upload (default 200 MB). */
  maxUploadBytes?: number;
}

export interface UploadInput {
  ownerId: string;
  courseId: string | null;
  title: string;
  contentType: string;
  body: Readable;
}

const newId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/**
 * Recordings and their transcription jobs, as the gateway offers them: an upload is stored, gets
 * a session (its transcript is that session's, so export and search are shared with live
 * lectures) and a queued job, and the job is published on the jobs topic for a worker. Access
 * rules are the caller's (the gateway's routes); this class trusts the ids it is given.
 */
export class RecordingJobs {
  readonly maxUploadBytes: number;

  constructor(private readonly options: RecordingJobsOptions) {
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  }

  async upload(input: UploadInput): Promise<{ recording: Recording; job: JobView }> {
    const { db, storage, bus, logger } = this.options;
    const recordingId = newId('rec');
    const sessionId = newId('ses');
    const jobId = newId('job');
    const { sizeBytes } = await storage.write(recordingId, input.body, this.maxUploadBytes);
    try {
      const { recording, job } = await db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('live_sessions')
          .values({
            id: sessionId,
            course_id: input.courseId,
            title: input.title,
            kind: 'lecture',
            status: 'ended',
            created_by: input.ownerId,
            ended_at: new Date(),
          })
          .execute();
        const recording = await trx
          .insertInto('recordings')
          .values({
            id: recordingId,
            session_id: sessionId,
            course_id: input.courseId,
            owner_id: input.ownerId,
            title: input.title,
            content_type: input.contentType,
            size_bytes: sizeBytes,
            storage_path: storage.path(recordingId),
            duration_ms: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const job = await trx
          .insertInto('jobs')
          .values({
            id: jobId,
            kind: 'transcribe_recording',
            state: 'queued',
            subject_id: recordingId,
            course_id: input.courseId,
            owner_id: input.ownerId,
            progress: 0,
            attempt: 0,
            error_code: null,
            error_message: null,
            updated_at: new Date(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { recording, job };
      });
      // After the commit: a worker that gets the request finds the rows. A crash between the
      // two leaves a queued job without a request; `requeueUnfinished` publishes it again.
      await bus.publish(jobsTopic, jobMessage(job));
      logger.info(
        { recording: recordingId, job: jobId, user: input.ownerId, sizeBytes },
        'recording uploaded, transcription queued',
      );
      return { recording: toRecordingView(recording, job), job: toJobView(job) };
    } catch (error) {
      await storage.remove(recordingId);
      throw error;
    }
  }

  /** The recording, or not_found. */
  async recording(recordingId: string): Promise<Recording> {
    const row = await this.options.db.kysely
      .selectFrom('recordings')
      .selectAll()
      .where('id', '=', recordingId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No recording ${recordingId}`);
    return toRecordingView(row, await this.latestJob(recordingId));
  }

  /** Recordings of the given courses and of the given owner, newest first. */
  async list(
    filter: { ownerId?: string; courseIds?: string[] },
    limit = 100,
  ): Promise<Recording[]> {
    const { ownerId, courseIds = [] } = filter;
    if (!ownerId && courseIds.length === 0) return [];
    const rows = await this.options.db.kysely
      .selectFrom('recordings')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(ownerId ? [eb('owner_id', '=', ownerId)] : []),
          ...(courseIds.length > 0 ? [eb('course_id', 'in', courseIds)] : []),
        ]),
      )
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    const views: Recording[] = [];
    for (const row of rows) views.push(toRecordingView(row, await this.latestJob(row.id)));
    return views;
  }

  async job(jobId: string): Promise<JobView & { ownerId: string }> {
    const row = await this.options.db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No job ${jobId}`);
    return { ...toJobView(row), ownerId: row.owner_id };
  }

  /** Removes the recording, its audio, its transcript and its jobs. */
  async delete(recordingId: string): Promise<void> {
    const { db, storage, logger } = this.options;
    const row = await db.kysely
      .selectFrom('recordings')
      .select(['id', 'session_id'])
      .where('id', '=', recordingId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No recording ${recordingId}`);
    await db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('recordings').where('id', '=', recordingId).execute();
      await trx
        .deleteFrom('transcript_segments')
        .where('session_id', '=', row.session_id)
        .execute();
      await trx.deleteFrom('live_sessions').where('id', '=', row.session_id).execute();
      await trx
        .deleteFrom('jobs')
        .where('kind', '=', 'transcribe_recording')
        .where('subject_id', '=', recordingId)
        .execute();
    });
    await storage.remove(recordingId);
    logger.info({ recording: recordingId, session: row.session_id }, 'recording deleted');
  }

  /** Stored size of the audio, for range requests. */
  audioSize(recordingId: string): Promise<number | undefined> {
    return this.options.storage.size(recordingId);
  }

  audio(recordingId: string, range?: { start: number; end: number }): Readable {
    return this.options.storage.read(recordingId, range);
  }

  /**
   * Publishes again the requests of unfinished jobs created more than `olderThanMs` ago: queued
   * ones whose request never got out (the process died between the commit and the publish) and,
   * with `includeRunning`, running ones — for the in-memory bus, whose messages a restart loses.
   * Workers skip requests of jobs that have finished, so a spare request does no harm.
   */
  async requeueUnfinished(options: {
    olderThanMs: number;
    includeRunning?: boolean;
  }): Promise<number> {
    const states: ('queued' | 'running')[] = options.includeRunning
      ? ['queued', 'running']
      : ['queued'];
    const rows = await this.options.db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'transcribe_recording')
      .where('state', 'in', states)
      .where('created_at', '<', new Date(Date.now() - options.olderThanMs))
      .execute();
    // A request is a queued job message, whatever the row says now.
    if (rows.length > 0)
      await this.options.bus.publish(
        jobsTopic,
        rows.map((row) => jobMessage({ ...row, state: 'queued' })),
      );
    return rows.length;
  }

  private latestJob(recordingId: string) {
    return this.options.db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'transcribe_recording')
      .where('subject_id', '=', recordingId)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}
