import { sql, type Kysely } from 'kysely';

// Live sessions and their transcripts: what captioning needs first. Runs on PostgreSQL and PGlite.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('live_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('lecture', 'tutoring')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('live')
        .check(sql`status in ('live', 'ended')`),
    )
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('live_sessions_course_idx')
    .on('live_sessions')
    .columns(['course_id', 'started_at'])
    .execute();

  // One row per final segment; the primary key makes storing a redelivered final a no-op.
  await db.schema
    .createTable('transcript_segments')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('segment_index', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('words', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('start_ms', 'integer', (c) => c.notNull())
    .addColumn('end_ms', 'integer', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('transcript_segments_pk', ['session_id', 'segment_index'])
    .execute();

  // Where each live stream's transcription stands, so a restarted transcriber resumes it.
  await db.schema
    .createTable('transcriber_checkpoints')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('next_segment_index', 'integer', (c) => c.notNull())
    .addColumn('finalised_until_ms', 'integer', (c) => c.notNull())
    .addColumn('ended', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('transcriber_checkpoints_pk', ['session_id', 'stream_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('transcriber_checkpoints').execute();
  await db.schema.dropTable('transcript_segments').execute();
  await db.schema.dropTable('live_sessions').execute();
}
