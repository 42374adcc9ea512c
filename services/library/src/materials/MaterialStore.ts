import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { LibraryTables, MaterialChunksTable, MaterialsTable } from './tables.js';

export type MaterialRow = Selectable<MaterialsTable>;
export type ChunkRow = Omit<Selectable<MaterialChunksTable>, 'tsv'>;
export type NewMaterial = Omit<MaterialRow, 'created_at'>;

const CHUNK_COLUMNS = [
  'id',
  'material_id',
  'course_id',
  'private_owner_id',
  'ordinal',
  'heading',
  'page',
  'start_ms',
  'end_ms',
  'text',
  'tokens',
] as const;

/** Materials and their chunks in Postgres (or PGlite), plus keyword search over the chunks. */
export class MaterialStore {
  constructor(private readonly db: Kysely<LibraryTables>) {}

  /** Stores a material with all its chunks, or nothing. */
  async insert(material: NewMaterial, chunks: readonly ChunkRow[]): Promise<MaterialRow> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('materials')
        .values(material)
        .returningAll()
        .executeTakeFirstOrThrow();
      // Batches keep each statement under Postgres' 65 535 parameters.
      for (let i = 0; i < chunks.length; i += 500) {
        await tx
          .insertInto('material_chunks')
          .values(chunks.slice(i, i + 500))
          .execute();
      }
      return row;
    });
  }

  async get(id: string): Promise<MaterialRow | undefined> {
    return this.db.selectFrom('materials').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async lectureOf(sessionId: string): Promise<MaterialRow | undefined> {
    return this.db
      .selectFrom('materials')
      .selectAll()
      .where('kind', '=', 'lecture')
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }

  /** Course materials of these courses, plus the viewer's own private notes in them. */
  async list(courseIds: readonly string[], viewerId?: string): Promise<MaterialRow[]> {
    if (courseIds.length === 0) return [];
    return this.db
      .selectFrom('materials')
      .selectAll()
      .where('course_id', 'in', [...courseIds])
      .where((eb) => visibleTo(eb, viewerId))
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
  }

  /** Deletes a material and (by cascade) its chunks; returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('materials').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async chunks(
    ids: readonly string[],
  ): Promise<
    Map<string, ChunkRow & { title: string; kind: MaterialRow['kind']; session_id: string | null }>
  > {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('material_chunks as c')
      .innerJoin('materials as m', 'm.id', 'c.material_id')
      .select(CHUNK_COLUMNS.map((c) => `c.${c}` as const))
      .select(['m.title', 'm.kind', 'm.session_id'])
      .where('c.id', 'in', [...ids])
      .execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  async chunksOf(materialId: string): Promise<ChunkRow[]> {
    return this.db
      .selectFrom('material_chunks')
      .select(CHUNK_COLUMNS)
      .where('material_id', '=', materialId)
      .orderBy('ordinal')
      .execute();
  }

  /**
   * Full-text search over chunks (English stemming). The question's words are OR-ed, not
   * AND-ed: a student's question rarely shares every word with the passage that answers it,
   * and ts_rank still puts passages that share more (and rarer) words first.
   */
  async keywordSearch(
    query: string,
    courseIds: readonly string[],
    limit: number,
    viewerId?: string,
  ): Promise<{ id: string; rank: number }[]> {
    if (courseIds.length === 0 || query.trim() === '' || limit <= 0) return [];
    const tsquery = sql`replace(plainto_tsquery('english', ${query})::text, '&', '|')::tsquery`;
    const rows = await this.db
      .selectFrom('material_chunks')
      .select(['id', sql<number>`ts_rank(tsv, ${tsquery}, 1)`.as('rank')])
      .where('course_id', 'in', [...courseIds])
      .where((eb) => visibleTo(eb, viewerId))
      .where(sql<boolean>`tsv @@ ${tsquery}`)
      .orderBy('rank', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, rank: Number(row.rank) }));
  }
}

/**
 * Rows a viewer may see: course materials (no private owner) and the viewer's own notes. Without
 * a viewer, course materials only. Both tables carry `private_owner_id`.
 */
function visibleTo(
  eb: ExpressionBuilder<LibraryTables, 'materials' | 'material_chunks'>,
  viewerId: string | undefined,
) {
  const course = eb('private_owner_id', 'is', null);
  return viewerId ? eb.or([course, eb('private_owner_id', '=', viewerId)]) : course;
}
