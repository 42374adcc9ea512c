import { z } from 'zod';
import { env } from '@lm/kit';

/** The transcriber service's settings (read once at start-up; a bad value names the variable). */
export const transcriberConfigSchema = z.object({
  LOG_LEVEL: env.logLevel(),
  OPS_HOST: env.host('127.0.0.1'),
  OPS_PORT: env.port(9090),
  /** PostgreSQL for checkpoints; PGlite in LM_DATA_DIR when unset (single-process use only). */
  DATABASE_URL: z.string().optional(),
  LM_DATA_DIR: z.string().min(1).default('.lm'),
  LM_WHISPER_MODEL: z.string().min(1).default('whisper-base'),
  /** Consumer group shared by the replicas (KEDA scales on its lag). */
  TRANSCRIBER_GROUP: z.string().min(1).default('lm-transcriber'),
  /** whisper.cpp threads per decode. */
  TRANSCRIBER_THREADS: env.positiveInt(2),
});

export type TranscriberConfig = z.infer<typeof transcriberConfigSchema>;
