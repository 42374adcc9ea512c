import { env } from '@lm/kit';
import { qdrantConfigSchema } from '@lm/library';
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
  /**
   * host:port of the library service: passages are searched there (as the tutor, for the asking
   * student). Unset: a library of this process's own (single-process use; the embedded platform
   * always uses its in-process library). QDRANT_* below apply only to that own library.
   */
  LIBRARY_GRPC_ADDRESS: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  /** Deadline of one library search (ms): it is on the voice-to-voice path. */
  TUTOR_RETRIEVAL_TIMEOUT_MS: env.positiveInt(5000),
  ...qdrantConfigSchema.shape,
  OLLAMA_URL: env.optionalUrl(),
  OLLAMA_MODEL: z.string().default('llama3.2:1b'),
  /** Extra wait after an unpunctuated end of turn (ms). */
  TUTOR_TURN_GRACE_MS: env.positiveInt(700),
});

export type TutorConfig = z.infer<typeof tutorConfigSchema>;
