import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { AppError } from '@lm/kit';
import type { VectorMatch, VectorPoint, VectorQuery, VectorStore } from './VectorStore.js';

/**
 * pgvector inside PGlite: the vector store of the embedded mode. It keeps its own database
 * (a folder, or memory) so that the main database can be a Postgres without pgvector.
 *
 * Search uses an HNSW index with pgvector's iterative scan in strict order, so a course (or
 * private-owner) filter that rejects most neighbours still returns `limit` matches instead of a
 * short list.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  private dimensions: number | undefined;

  private constructor(
    private readonly db: PGlite,
    private readonly owned: boolean,
  ) {}

  /** Its own PGlite database; `dataDir` undefined: in memory (tests). */
  static async open(dataDir?: string): Promise<EmbeddedVectorStore> {
    const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
    return EmbeddedVectorStore.prepare(db, true);
  }

  /**
   * Shares the embedded database (@lm/db's `Db.pglite`, created with the vector extension):
   * one PGlite per process is lighter, and its tables do not collide with the migrations'.
   * Closing the store leaves that database open.
   */
  static fromPglite(db: PGlite): Promise<EmbeddedVectorStore> {
    return EmbeddedVectorStore.prepare(db, false);
  }

  private static async prepare(db: PGlite, owned: boolean): Promise<EmbeddedVectorStore> {
    await db.exec(`
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE TABLE IF NOT EXISTS vector_meta (key text PRIMARY KEY, value text NOT NULL);
    `);
    return new EmbeddedVectorStore(db, owned);
  }

  async ensure(dimensions: number): Promise<void> {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 2000) {
      throw new AppError('invalid_argument', `Vector size ${dimensions} is not supported`);
    }
    const existing = await this.db.query<{ value: string }>(
      `SELECT value FROM vector_meta WHERE key = 'dimensions'`,
    );
    const stored = existing.rows[0] ? Number(existing.rows[0].value) : undefined;
    if (stored !== undefined && stored !== dimensions) {
      throw new AppError(
        'failed_precondition',
        `The vector index holds ${stored}-dimensional vectors, the embedder makes ${dimensions}; re-index the library`,
      );
    }
    await this.db.exec(`
      CREATE TABLE IF NOT EXISTS chunk_vectors (
        id uuid PRIMARY KEY,
        course_id text NOT NULL,
        material_id text NOT NULL,
        embedding vector(${dimensions}) NOT NULL
      );
      -- Private notes (null: a course material). Added to indexes made before it existed.
      ALTER TABLE chunk_vectors ADD COLUMN IF NOT EXISTS private_owner_id text;
      CREATE INDEX IF NOT EXISTS chunk_vectors_course ON chunk_vectors (course_id);
      CREATE INDEX IF NOT EXISTS chunk_vectors_material ON chunk_vectors (material_id);
      CREATE INDEX IF NOT EXISTS chunk_vectors_hnsw ON chunk_vectors USING hnsw (embedding vector_cosine_ops);
      INSERT INTO vector_meta (key, value) VALUES ('dimensions', '${dimensions}') ON CONFLICT (key) DO NOTHING;
    `);
    this.dimensions = dimensions;
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    this.check(points.map((p) => p.vector));
    await this.db.transaction(async (tx) => {
      for (const point of points) {
        await tx.query(
          `INSERT INTO chunk_vectors (id, course_id, material_id, private_owner_id, embedding)
           VALUES ($1, $2, $3, $4, $5::vector)
           ON CONFLICT (id) DO UPDATE SET course_id = EXCLUDED.course_id,
             material_id = EXCLUDED.material_id, private_owner_id = EXCLUDED.private_owner_id,
             embedding = EXCLUDED.embedding`,
          [
            point.id,
            point.courseId,
            point.materialId,
            point.privateOwnerId ?? null,
            toLiteral(point.vector),
          ],
        );
      }
    });
  }

  async search(query: VectorQuery): Promise<VectorMatch[]> {
    if (query.courseIds.length === 0 || query.limit <= 0) return [];
    this.check([query.vector]);
    return this.db.transaction(async (tx) => {
      await tx.exec(
        `SET LOCAL hnsw.iterative_scan = strict_order; SET LOCAL hnsw.ef_search = 100;`,
      );
      const result = await tx.query<{
        id: string;
        course_id: string;
        material_id: string;
        private_owner_id: string | null;
        distance: number;
      }>(
        // Course materials, plus the viewer's own notes (a null $4 matches no owner).
        `SELECT id, course_id, material_id, private_owner_id, embedding <=> $1::vector AS distance
           FROM chunk_vectors
          WHERE course_id = ANY($2::text[])
            AND (private_owner_id IS NULL OR private_owner_id = $4::text)
          ORDER BY embedding <=> $1::vector LIMIT $3`,
        [toLiteral(query.vector), [...query.courseIds], query.limit, query.viewerId ?? null],
      );
      return result.rows.map((row) => ({
        id: row.id,
        score: 1 - Number(row.distance),
        courseId: row.course_id,
        materialId: row.material_id,
        privateOwnerId: row.private_owner_id,
      }));
    });
  }

  async deleteMaterial(materialId: string): Promise<void> {
    if (this.dimensions === undefined && !(await this.hasTable())) return;
    await this.db.query(`DELETE FROM chunk_vectors WHERE material_id = $1`, [materialId]);
  }

  async count(courseIds?: readonly string[]): Promise<number> {
    if (this.dimensions === undefined && !(await this.hasTable())) return 0;
    const result = courseIds
      ? await this.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM chunk_vectors WHERE course_id = ANY($1::text[])`,
          [[...courseIds]],
        )
      : await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chunk_vectors`);
    return result.rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }

  private async hasTable(): Promise<boolean> {
    const result = await this.db.query<{ t: string | null }>(
      `SELECT to_regclass('chunk_vectors')::text AS t`,
    );
    return result.rows[0]?.t != null;
  }

  private check(vectors: readonly Float32Array[]): void {
    if (this.dimensions === undefined) {
      throw new AppError('failed_precondition', 'EmbeddedVectorStore.ensure() was not called');
    }
    for (const v of vectors) {
      if (v.length !== this.dimensions) {
        throw new AppError(
          'invalid_argument',
          `A ${v.length}-dimensional vector does not fit the ${this.dimensions}-dimensional index`,
        );
      }
    }
  }
}

function toLiteral(v: Float32Array): string {
  return `[${Array.from(v).join(',')}]`;
}
