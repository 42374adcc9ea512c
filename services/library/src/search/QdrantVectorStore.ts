import { AppError } from '@lm/kit';
import { QdrantClient } from '@qdrant/js-client-rest';
import type { VectorMatch, VectorPoint, VectorQuery, VectorStore } from './VectorStore.js';

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string;
  /** Collection name; one per embedding model is wise (`lm_chunks`). */
  collection?: string;
}

/**
 * Qdrant through its REST client: the vector store of the distributed mode when QDRANT_URL is
 * set. Payload: course_id (indexed, every search filters on it), material_id (deletes) and,
 * for private notes only, private_owner_id (indexed): the one user whose searches may find it.
 *
 * "Course materials or the viewer's notes" is a `should` of `is_empty` and a `match`: Qdrant's
 * `is_empty` matches a field that is absent, null or [] — what course materials have — whereas
 * `is_null` matches only a field present with the value null, and would miss points written
 * without the field (every point stored before private notes existed).
 */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  private readonly client: QdrantClient;
  readonly collection: string;

  constructor(options: QdrantVectorStoreOptions) {
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      checkCompatibility: false,
    });
    this.collection = options.collection ?? 'lm_chunks';
  }

  async ensure(dimensions: number): Promise<void> {
    await this.call('prepare the collection', async () => {
      const { exists } = await this.client.collectionExists(this.collection);
      if (!exists) {
        await this.client.createCollection(this.collection, {
          vectors: { size: dimensions, distance: 'Cosine' },
        });
      } else {
        const info = await this.client.getCollection(this.collection);
        const vectors = info.config.params.vectors;
        const size = vectors && 'size' in vectors ? Number(vectors.size) : undefined;
        if (size !== undefined && size !== dimensions) {
          throw new AppError(
            'failed_precondition',
            `Qdrant collection ${this.collection} holds ${size}-dimensional vectors, the embedder makes ${dimensions}`,
          );
        }
      }
      // Idempotent: creating an existing index is accepted by Qdrant.
      await this.client.createPayloadIndex(this.collection, {
        field_name: 'course_id',
        field_schema: 'keyword',
        wait: true,
      });
      await this.client.createPayloadIndex(this.collection, {
        field_name: 'material_id',
        field_schema: 'keyword',
        wait: true,
      });
      await this.client.createPayloadIndex(this.collection, {
        field_name: 'private_owner_id',
        field_schema: 'keyword',
        wait: true,
      });
    });
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.call('store vectors', () =>
      this.client.upsert(this.collection, {
        wait: true,
        points: points.map((p) => ({
          id: p.id,
          vector: Array.from(p.vector),
          payload: {
            course_id: p.courseId,
            material_id: p.materialId,
            // Absent on course materials (is_empty matches them).
            ...(p.privateOwnerId ? { private_owner_id: p.privateOwnerId } : {}),
          },
        })),
      }),
    );
  }

  async search(query: VectorQuery): Promise<VectorMatch[]> {
    if (query.courseIds.length === 0 || query.limit <= 0) return [];
    const hits = await this.call('search vectors', () =>
      this.client.search(this.collection, {
        vector: Array.from(query.vector),
        limit: query.limit,
        filter: {
          must: [
            { key: 'course_id', match: { any: [...query.courseIds] } },
            {
              should: [
                { is_empty: { key: 'private_owner_id' } },
                ...(query.viewerId
                  ? [{ key: 'private_owner_id', match: { value: query.viewerId } }]
                  : []),
              ],
            },
          ],
        },
        with_payload: true,
      }),
    );
    return hits.map((hit) => ({
      id: String(hit.id),
      score: hit.score,
      courseId: payloadString(hit.payload?.course_id),
      materialId: payloadString(hit.payload?.material_id),
      privateOwnerId: payloadString(hit.payload?.private_owner_id) || null,
    }));
  }

  async deleteMaterial(materialId: string): Promise<void> {
    await this.call('delete vectors', () =>
      this.client.delete(this.collection, {
        wait: true,
        filter: { must: [{ key: 'material_id', match: { value: materialId } }] },
      }),
    );
  }

  async count(courseIds?: readonly string[]): Promise<number> {
    const result = await this.call('count vectors', () =>
      this.client.count(this.collection, {
        exact: true,
        ...(courseIds
          ? { filter: { must: [{ key: 'course_id', match: { any: [...courseIds] } }] } }
          : {}),
      }),
    );
    return result.count;
  }

  /** Drops the collection (tests use throwaway collections). */
  async drop(): Promise<void> {
    await this.call('drop the collection', () => this.client.deleteCollection(this.collection));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Qdrant being down is retryable; our own AppErrors pass through. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (AppError.is(error)) throw error;
      throw new AppError('unavailable', `Qdrant could not ${what}: ${describe(error)}`, {
        cause: error,
      });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function payloadString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
