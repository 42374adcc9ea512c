import { sql, type Kysely } from 'kysely';

// Study materials and lecture transcripts of a course, chunked for retrieval (@lm/library).
// Vectors live in the vector store (Qdrant or pgvector in PGlite), keyed by chunk id; this
// database keeps the text, headings and times, and the full-text index for keyword search.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('materials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('material', 'lecture')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('byte_size', 'integer', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('embedding_model', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('materials_course_idx')
    .on('materials')
    .columns(['course_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('materials_session_idx')
    .on('materials')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('material_chunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('material_id', 'text', (c) =>
      c.notNull().references('materials.id').onDelete('cascade'),
    )
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('heading', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('page', 'integer')
    .addColumn('start_ms', 'integer')
    .addColumn('end_ms', 'integer')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('tokens', 'integer', (c) => c.notNull())
    .addColumn('tsv', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`to_tsvector('english', heading || ' ' || text)`).stored(),
    )
    .execute();
  await db.schema
    .createIndex('material_chunks_material_idx')
    .on('material_chunks')
    .columns(['material_id', 'ordinal'])
    .execute();
  await db.schema
    .createIndex('material_chunks_course_idx')
    .on('material_chunks')
    .column('course_id')
    .execute();
  await db.schema
    .createIndex('material_chunks_tsv_idx')
    .on('material_chunks')
    .using('gin')
    .column('tsv')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('material_chunks').execute();
  await db.schema.dropTable('materials').execute();
}
