import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest, migrations, type Db } from '../src/index.js';

/** The same checks on PostgreSQL and PGlite: migrations apply, and the schema behaves. */
export function dbContract(open: () => Promise<Db>): void {
  it('applies every migration, and again is a no-op', async () => {
    const db = await open();
    try {
      const first = await db.migrate();
      expect(first.error).toBeUndefined();
      // Kysely's bookkeeping tables record every migration as applied.
      const recorded = await sql<{ name: string }>`select name from kysely_migration`.execute(
        db.kysely,
      );
      expect(recorded.rows.map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort());
      const again = await migrateToLatest(db.db);
      expect(again.results).toEqual([]);
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = current_schema()`.execute(
        db.kysely,
      );
      const names = tables.rows.map((r) => r.table_name);
      for (const t of [
        'live_sessions',
        'transcript_segments',
        'transcriber_checkpoints',
        'recordings',
        'jobs',
      ]) {
        expect(names).toContain(t);
      }
    } finally {
      await db.close();
    }
  });

  it('keeps a final segment once however often it is stored, and rejects bad enum values', async () => {
    const db = await open();
    try {
      await db.migrate();
      const sessionId = `s-${Math.random().toString(36).slice(2)}`;
      await db.kysely
        .insertInto('live_sessions')
        .values({
          id: sessionId,
          title: 'Lecture',
          kind: 'lecture',
          status: 'live',
          created_by: 'u1',
          course_id: null,
        })
        .execute();
      const row = {
        session_id: sessionId,
        segment_index: 0,
        revision: 2,
        text: 'hello',
        words: JSON.stringify([{ text: 'hello', startMs: 0, endMs: 300, confidence: 0.9 }]),
        start_ms: 0,
        end_ms: 300,
        language: 'en',
      };
      for (let i = 0; i < 3; i++) {
        await db.kysely
          .insertInto('transcript_segments')
          .values(row)
          .onConflict((oc) => oc.columns(['session_id', 'segment_index']).doNothing())
          .execute();
      }
      const stored = await db.kysely
        .selectFrom('transcript_segments')
        .selectAll()
        .where('session_id', '=', sessionId)
        .execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.words).toEqual([
        { text: 'hello', startMs: 0, endMs: 300, confidence: 0.9 },
      ]);
      await expect(
        db.kysely
          .insertInto('live_sessions')
          .values({
            id: `${sessionId}-x`,
            title: 't',
            kind: 'party' as 'lecture',
            status: 'live',
            created_by: 'u',
            course_id: null,
          })
          .execute(),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await db.close();
    }
  });
}
