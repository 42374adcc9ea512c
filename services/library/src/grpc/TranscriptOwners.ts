import type { Kysely } from 'kysely';
import type { Database } from '@lm/db';
import type { TranscriptOwner } from './CourseAccess.js';

/**
 * Whose transcript a session id names, read from the platform's database: a live session
 * (course, creator) or an uploaded recording (course, uploader). The caller's word is never
 * taken for it.
 */
export class TranscriptOwners {
  constructor(private readonly db: Kysely<Database>) {}

  async of(
    sessionId: string,
  ): Promise<(TranscriptOwner & { title: string; kind: string }) | undefined> {
    const live = await this.db
      .selectFrom('live_sessions')
      .select(['course_id', 'created_by', 'title', 'kind'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (live) return live;
    const recording = await this.db
      .selectFrom('recordings')
      .select(['course_id', 'owner_id', 'title'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return recording
      ? {
          course_id: recording.course_id,
          created_by: recording.owner_id,
          title: recording.title,
          kind: 'recording',
        }
      : undefined;
  }
}
