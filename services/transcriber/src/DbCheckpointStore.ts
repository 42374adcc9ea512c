import { sql, type Kysely } from 'kysely';
import type { Database } from '@lm/db';
import { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { CheckpointStore, StreamCheckpoint } from './SessionCheckpoints.js';

/** Checkpoints in the database, so a transcriber on another pod or after a crash resumes a stream. */
export class DbCheckpointStore implements CheckpointStore {
  constructor(private readonly db: Kysely<Database>) {}

  async load(sessionId: string, streamId: string): Promise<StreamCheckpoint | undefined> {
    const row = await this.db
      .selectFrom('transcriber_checkpoints')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('stream_id', '=', streamId)
      .executeTakeFirst();
    return row
      ? {
          sessionId,
          streamId,
          nextSegmentIndex: row.next_segment_index,
          finalisedUntilMs: row.finalised_until_ms,
          ended: row.ended,
          pendingFinals: (row.pending_finals ?? []).map((json) => TranscriptSegment.fromJSON(json)),
        }
      : undefined;
  }

  async nextSegmentIndex(sessionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('transcriber_checkpoints')
      .select(sql<number>`coalesce(max(next_segment_index), 0)`.as('next'))
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return Number(row?.next ?? 0);
  }

  async save(c: StreamCheckpoint): Promise<void> {
    await this.db
      .insertInto('transcriber_checkpoints')
      .values({
        session_id: c.sessionId,
        stream_id: c.streamId,
        next_segment_index: c.nextSegmentIndex,
        finalised_until_ms: Math.round(c.finalisedUntilMs),
        ended: c.ended,
        pending_finals: JSON.stringify(c.pendingFinals.map((s) => TranscriptSegment.toJSON(s))),
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc.columns(['session_id', 'stream_id']).doUpdateSet({
          // Never move backwards (a late write from a replaced consumer).
          next_segment_index: sql`greatest(transcriber_checkpoints.next_segment_index, excluded.next_segment_index)`,
          finalised_until_ms: sql`greatest(transcriber_checkpoints.finalised_until_ms, excluded.finalised_until_ms)`,
          ended: sql`transcriber_checkpoints.ended or excluded.ended`,
          pending_finals: sql`case when excluded.next_segment_index >= transcriber_checkpoints.next_segment_index then excluded.pending_finals else transcriber_checkpoints.pending_finals end`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .execute();
  }
}
