import type { Selectable } from 'kysely';
import type { JobsTable, RecordingsTable } from '@lm/db';

export type JobStateName = 'queued' | 'running' | 'succeeded' | 'failed';

/** A job as the API shows it (`GET /api/jobs/:id`). */
export interface JobView {
  id: string;
  kind: JobsTable['kind'];
  state: JobStateName;
  /** 0..1 */
  progress: number;
  attempt: number;
  error?: { code: string; message: string };
  /** The recording a transcription job works on. */
  recordingId?: string;
  createdAt: string;
  updatedAt: string;
}

/** A recording as the API shows it. */
export interface RecordingView {
  id: string;
  title: string;
  courseId: string | null;
  ownerId: string;
  /** The session whose transcript is this recording's transcript. */
  sessionId: string;
  contentType: string;
  sizeBytes: number;
  durationMs: number | null;
  createdAt: string;
  /** The newest transcription job. */
  job: JobView | null;
}

export function toJobView(row: Selectable<JobsTable>): JobView {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    progress: Math.round(Number(row.progress) * 1000) / 1000,
    attempt: row.attempt,
    ...(row.error_code
      ? { error: { code: row.error_code, message: row.error_message ?? '' } }
      : {}),
    ...(row.kind === 'transcribe_recording' ? { recordingId: row.subject_id } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function toRecordingView(
  row: Selectable<RecordingsTable>,
  job: Selectable<JobsTable> | undefined,
): RecordingView {
  return {
    id: row.id,
    title: row.title,
    courseId: row.course_id,
    ownerId: row.owner_id,
    sessionId: row.session_id,
    contentType: row.content_type,
    // bigint columns come back as strings from node-postgres.
    sizeBytes: Number(row.size_bytes),
    durationMs: row.duration_ms,
    createdAt: row.created_at.toISOString(),
    job: job ? toJobView(job) : null,
  };
}
