import type { Db } from '@lm/db';
import type { Logger } from '@lm/kit';
import { SentenceEmbedder } from '@lm/models';
import { createVectorStore } from '../search/createVectorStore.js';
import type { QdrantConfig } from '../search/qdrantConfig.js';
import type { VectorStore } from '../search/VectorStore.js';
import { MaterialLibrary } from './MaterialLibrary.js';
import { libraryDb } from './tables.js';

export interface OpenMaterialLibraryOptions {
  db: Db;
  /** The process's config (its QDRANT_* settings are read). */
  qdrant: QdrantConfig;
  /** With PostgreSQL and no Qdrant, vectors stay in a PGlite folder here. */
  vectorsDir: string;
  logger: Logger;
  /** Registers what to close at shutdown (the caller's shutdown list), in opening order. */
  onClose(name: string, close: () => Promise<void>): void;
}

/**
 * The materials library as a process runs it: its vector store (Qdrant, the embedded database's
 * pgvector, or a PGlite folder of its own), the sentence embedder, the library over the
 * database, initialised. The library service, the embedded platform and a tutor without a
 * library service open it the same way.
 */
export async function openMaterialLibrary(
  options: OpenMaterialLibraryOptions,
): Promise<{ library: MaterialLibrary; vectors: VectorStore; embedder: SentenceEmbedder }> {
  const vectors = await createVectorStore({
    qdrantUrl: options.qdrant.QDRANT_URL,
    qdrantApiKey: options.qdrant.QDRANT_API_KEY,
    qdrantCollection: options.qdrant.QDRANT_COLLECTION,
    pglite: options.db.pglite,
    dataDir: options.vectorsDir,
  });
  options.onClose('vectors', () => vectors.close());
  const embedder = await SentenceEmbedder.load();
  options.onClose('embedder', () => embedder.close());
  const library = new MaterialLibrary({
    db: libraryDb(options.db.kysely),
    vectors,
    embedder,
    logger: options.logger,
  });
  await library.init();
  return { library, vectors, embedder };
}
