import type { Embedder } from './Embedder.js';
import type { MaterialStore } from '../materials/MaterialStore.js';
import type { MaterialVisibility } from '../materials/visibility.js';
import { reciprocalRankFusion } from './reciprocalRankFusion.js';
import type { VectorStore } from './VectorStore.js';

/** A passage found for a query, with what a citation needs. */
export interface SearchHit {
  chunkId: string;
  materialId: string;
  courseId: string;
  kind: 'material' | 'lecture';
  title: string;
  /** Heading path of a material chunk ("Cells > Mitochondria"); empty for lectures. */
  heading: string;
  page: number | null;
  /** Lecture time of a transcript chunk. */
  startMs: number | null;
  endMs: number | null;
  sessionId: string | null;
  /** 'private': the searcher's own notes (only they ever get such a hit); 'course' otherwise. */
  visibility: MaterialVisibility;
  text: string;
  /** Fused score (reciprocal rank fusion); only comparable within one result list. */
  score: number;
  /** Cosine similarity to the query, when the vector retriever found the chunk. */
  similarity: number | null;
  vectorRank: number | null;
  keywordRank: number | null;
}

export interface SearchOptions {
  /** Courses the caller may see; the search never returns anything else. */
  courseIds: readonly string[];
  /**
   * The user searching: their private notes in those courses are searched too. Absent: course
   * materials only (no one's notes).
   */
  viewerId?: string | undefined;
  limit?: number;
  /** Candidates taken from each retriever before fusion. */
  candidates?: number;
}

export interface SearchTimings {
  embedMs: number;
  retrieveMs: number;
  totalMs: number;
}

/**
 * Keyword (Postgres full text) and vector (cosine) retrieval, fused by reciprocal rank.
 * Keywords catch names and terms the embedder blurs; vectors catch paraphrases.
 */
export class HybridSearch {
  constructor(
    private readonly deps: { store: MaterialStore; vectors: VectorStore; embedder: Embedder },
  ) {}

  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    return (await this.searchTimed(query, options)).hits;
  }

  async searchTimed(
    query: string,
    options: SearchOptions,
  ): Promise<{ hits: SearchHit[]; timings: SearchTimings }> {
    const started = performance.now();
    const limit = options.limit ?? 5;
    const candidates = Math.max(limit, options.candidates ?? 20);
    if (options.courseIds.length === 0 || query.trim() === '') {
      return { hits: [], timings: { embedMs: 0, retrieveMs: 0, totalMs: 0 } };
    }
    // Keyword search runs while the query is embedded. (The catch only keeps a failed embed from
    // leaving this promise's rejection unhandled; Promise.all below still sees its error.)
    const keywordPromise = this.deps.store.keywordSearch(
      query,
      options.courseIds,
      candidates,
      options.viewerId,
    );
    keywordPromise.catch(() => undefined);
    const [vector] = await this.deps.embedder.embed([query]);
    const embedded = performance.now();
    const [vectorMatches, keywordMatches] = await Promise.all([
      vector
        ? this.deps.vectors.search({
            vector,
            courseIds: options.courseIds,
            viewerId: options.viewerId,
            limit: candidates,
          })
        : Promise.resolve([]),
      keywordPromise,
    ]);
    const fused = reciprocalRankFusion([
      vectorMatches.map((m) => m.id),
      keywordMatches.map((m) => m.id),
    ]).slice(0, limit);
    const rows = await this.deps.store.chunks(fused.map((f) => f.id));
    const similarity = new Map(vectorMatches.map((m) => [m.id, m.score]));
    const allowed = new Set(options.courseIds);
    const hits: SearchHit[] = [];
    for (const result of fused) {
      const row = rows.get(result.id);
      // A vector whose chunk is gone (deleted between the two reads), or that a foreign
      // payload put in another course or someone else's notes, is dropped: the database row is
      // the truth.
      if (!row || !allowed.has(row.course_id)) continue;
      if (row.private_owner_id !== null && row.private_owner_id !== options.viewerId) continue;
      hits.push({
        chunkId: row.id,
        materialId: row.material_id,
        courseId: row.course_id,
        kind: row.kind,
        title: row.title,
        heading: row.heading,
        page: row.page,
        startMs: row.start_ms,
        endMs: row.end_ms,
        sessionId: row.session_id,
        visibility: row.private_owner_id === null ? 'course' : 'private',
        text: row.text,
        score: result.score,
        similarity: similarity.get(row.id) ?? null,
        vectorRank: result.ranks[0] ?? null,
        keywordRank: result.ranks[1] ?? null,
      });
    }
    const finished = performance.now();
    return {
      hits,
      timings: {
        embedMs: embedded - started,
        retrieveMs: finished - embedded,
        totalMs: finished - started,
      },
    };
  }
}
