import { env } from '@lm/kit';
import { z } from 'zod';

/** The tutor's environment (the bus reads KAFKA_BROKERS / LM_TOPIC_PREFIX itself). */
export const tutorConfigSchema = z.object({
  GRPC_HOST: env.host('0.0.0.0'),
  GRPC_PORT: env.port(50051),
  OPS_HOST: env.host('0.0.0.0'),
  OPS_PORT: env.port(9090),
  LOG_LEVEL: env.logLevel(),
  /** PostgreSQL; unset: PGlite under LM_DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  LM_DATA_DIR: z.string().default('.lm'),
  QDRANT_URL: env.optionalUrl(),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_COLLECTION: z.string().default('lm_chunks'),
  OLLAMA_URL: env.optionalUrl(),
  OLLAMA_MODEL: z.string().default('llama3.2:1b'),
  /** Extra wait after an unpunctuated end of turn (ms). */
  TUTOR_TURN_GRACE_MS: env.positiveInt(700),
});

export type TutorConfig = z.infer<typeof tutorConfigSchema>;
