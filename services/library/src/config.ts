import { z } from 'zod';
import { env } from '@lm/kit';

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
  QDRANT_URL: env.optionalUrl(),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_COLLECTION: z.string().default('lm_chunks'),
});
