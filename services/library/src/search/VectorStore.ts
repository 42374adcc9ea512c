/** One embedded chunk: its id is the chunk id (a UUID), its payload what filters need. */
export interface VectorPoint {
  id: string;
  vector: Float32Array;
  courseId: string;
  materialId: string;
  /** Private notes: the one user who may find it. Null or absent: a course material. */
  privateOwnerId?: string | null;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity, -1..1 (higher is closer). */
  score: number;
  courseId: string;
  materialId: string;
  privateOwnerId: string | null;
}

export interface VectorQuery {
  vector: Float32Array;
  /** Only points of these courses; an empty list matches nothing. */
  courseIds: readonly string[];
  /**
   * Whose private notes may match besides the course materials ("owner is null OR owner =
   * viewer"). Absent: course materials only.
   */
  viewerId?: string | undefined;
  limit: number;
}

/**
 * Nearest-neighbour search over chunk embeddings, cosine distance, filtered by course and by
 * owner (a point with a private owner matches only that owner's searches).
 * Implementations: EmbeddedVectorStore (pgvector in PGlite) and QdrantVectorStore.
 */
export interface VectorStore {
  readonly kind: 'embedded' | 'qdrant';
  /**
   * Creates the collection for vectors of this size if needed; a collection made for another
   * size is an error (re-index after changing the embedding model).
   */
  ensure(dimensions: number): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  search(query: VectorQuery): Promise<VectorMatch[]>;
  deleteMaterial(materialId: string): Promise<void>;
  count(courseIds?: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
