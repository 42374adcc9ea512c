import { z } from 'zod';
import { env } from '@lm/kit';
import { qdrantConfigSchema } from './search/qdrantConfig.js';

/** The library service's settings (the bus reads KAFKA_BROKERS / LM_TOPIC_PREFIX itself). */
export const libraryConfigSchema = z.object({
  LOG_LEVEL: env.logLevel(),
  GRPC_HOST: env.host('0.0.0.0'),
  GRPC_PORT: env.port(50051),
  OPS_HOST: env.host('0.0.0.0'),
  OPS_PORT: env.port(9090),
  /** PostgreSQL; PGlite in LM_DATA_DIR when unset (single-process use only). */
  DATABASE_URL: z.string().optional(),
  LM_DATA_DIR: z.string().min(1).default('.lm'),
  /**
   * Comma-separated client ids of services that may search for a user by id, without that
   * user's token (SearchRequest.for_user_id): the tutor answering spoken turns.
   */
  LIBRARY_SEARCH_FOR_USER_CLIENTS: z
    .string()
    .default('lm-tutor')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  ...qdrantConfigSchema.shape,
});
