import type { Kysely } from 'kysely';

// Finals a transcriber has decided but may not have published yet (written before the publish):
// a transcriber restarted after a crash publishes them again, with the same ids, instead of
// re-deciding them differently. JSON of lm.transcript.v1.TranscriptSegment; null when none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('transcriber_checkpoints')
    .addColumn('pending_finals', 'jsonb')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('transcriber_checkpoints').dropColumn('pending_finals').execute();
}
