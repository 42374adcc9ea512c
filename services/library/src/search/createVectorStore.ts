import type { PGlite } from '@electric-sql/pglite';
import { EmbeddedVectorStore } from './EmbeddedVectorStore.js';
import { QdrantVectorStore } from './QdrantVectorStore.js';
import type { VectorStore } from './VectorStore.js';

/**
 * Qdrant when QDRANT_URL is set; else pgvector in the embedded database (`pglite`, e.g.
 * @lm/db's `Db.pglite`), or in a PGlite of its own under `dataDir` (in memory when undefined).
 * Services call this once at start-up and pass the store on.
 */
export async function createVectorStore(options: {
  qdrantUrl?: string | undefined;
  qdrantApiKey?: string | undefined;
  qdrantCollection?: string | undefined;
  pglite?: PGlite | undefined;
  dataDir?: string | undefined;
}): Promise<VectorStore> {
  if (options.qdrantUrl) {
    return new QdrantVectorStore({
      url: options.qdrantUrl,
      ...(options.qdrantApiKey ? { apiKey: options.qdrantApiKey } : {}),
      ...(options.qdrantCollection ? { collection: options.qdrantCollection } : {}),
    });
  }
  if (options.pglite) return EmbeddedVectorStore.fromPglite(options.pglite);
  return EmbeddedVectorStore.open(options.dataDir);
}
