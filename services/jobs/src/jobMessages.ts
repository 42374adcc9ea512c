import type { Selectable } from 'kysely';
import type { JobsTable } from '@lm/db';
import { Job, JobKind, JobState } from '@lm/proto/jobs/v1/jobs';

const STATES: Record<JobsTable['state'], JobState> = {
  queued: JobState.JOB_STATE_QUEUED,
  running: JobState.JOB_STATE_RUNNING,
  succeeded: JobState.JOB_STATE_SUCCEEDED,
  failed: JobState.JOB_STATE_FAILED,
};

const KINDS: Record<JobsTable['kind'], JobKind> = {
  transcribe_recording: JobKind.JOB_KIND_TRANSCRIBE_RECORDING,
  index_material: JobKind.JOB_KIND_INDEX_MATERIAL,
  index_transcript: JobKind.JOB_KIND_INDEX_TRANSCRIPT,
};

/** The bus message for a job row: a request when queued, a status update otherwise. */
export function jobMessage(row: Selectable<JobsTable>): Job {
  return Job.fromPartial({
    jobId: row.id,
    kind: KINDS[row.kind],
    state: STATES[row.state],
    subjectId: row.subject_id,
    courseId: row.course_id ?? '',
    ownerId: row.owner_id,
    progress: Number(row.progress),
    errorCode: row.error_code ?? '',
    errorMessage: row.error_message ?? '',
    attempt: row.attempt,
    updatedAtMs: new Date(row.updated_at).getTime(),
  });
}
