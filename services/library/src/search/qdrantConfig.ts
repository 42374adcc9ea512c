import { z } from 'zod';
import { env } from '@lm/kit';

/**
 * The settings that put a process's library on Qdrant (QDRANT_URL set); without them it keeps its
 * vectors itself. Every config schema that opens a library spreads these in.
 */
export const qdrantConfigSchema = z.object({
  QDRANT_URL: env.optionalUrl(),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_COLLECTION: z.string().default('lm_chunks'),
});

export type QdrantConfig = z.infer<typeof qdrantConfigSchema>;
