import type { Selectable } from 'kysely';
import type { JobView, Recording } from '@lm/api';
import type { JobsTable, RecordingsTable } from '@lm/db';

// The API's shapes of jobs and recordings are @lm/api's JobView and Recording.

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
): Recording {
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
