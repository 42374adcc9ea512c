import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '@lm/kit';
import type { LiveSession } from '@lm/api';
import type { Database, LiveSessionsTable } from '@lm/db';

/** Live sessions (lectures and tutoring rooms) in the database. */
export class SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: {
    title: string;
    kind: 'lecture' | 'tutoring';
    courseId: string | null;
    createdBy: string;
  }): Promise<LiveSession> {
    const row = await this.db
      .insertInto('live_sessions')
      .values({
        id: `ses_${randomUUID().replace(/-/g, '')}`,
        title: input.title,
        kind: input.kind,
        status: 'live',
        course_id: input.courseId,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toView(row);
  }

  async get(id: string): Promise<LiveSession> {
    const row = await this.db
      .selectFrom('live_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No session ${id}`);
    return toView(row);
  }

  /** Ends a live session; ending an ended one returns it unchanged. */
  async end(id: string): Promise<LiveSession> {
    await this.db
      .updateTable('live_sessions')
      .set({ status: 'ended', ended_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'live')
      .execute();
    return this.get(id);
  }

  async list(filter: {
    courseIds?: string[];
    createdBy?: string;
    limit?: number;
  }): Promise<LiveSession[]> {
    let query = this.db
      .selectFrom('live_sessions')
      .selectAll()
      .orderBy('started_at', 'desc')
      .limit(Math.min(filter.limit ?? 100, 500));
    if (filter.courseIds !== undefined || filter.createdBy !== undefined) {
      const courseIds = filter.courseIds ?? [];
      const createdBy = filter.createdBy;
      query = query.where((eb) =>
        eb.or([
          ...(courseIds.length > 0 ? [eb('course_id', 'in', courseIds)] : []),
          ...(createdBy ? [eb('created_by', '=', createdBy)] : []),
        ]),
      );
      if (courseIds.length === 0 && !createdBy) return [];
    }
    return (await query.execute()).map(toView);
  }
}

function toView(row: Selectable<LiveSessionsTable>): LiveSession {
  return {
    id: row.id,
    courseId: row.course_id,
    title: row.title,
    kind: row.kind,
    status: row.status,
    createdBy: row.created_by,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
  };
}
