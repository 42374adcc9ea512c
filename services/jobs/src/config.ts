import { join } from 'node:path';
import { z } from 'zod';
import { env } from '@lm/kit';

/**
 * Settings of recordings and batch jobs, shared by the jobs service and the gateway (which takes
 * the uploads). The recordings folder must be the same for both: one volume in a cluster.
 */
export const recordingsConfigSchema = z.object({
  LM_DATA_DIR: z.string().min(1).default(join(process.cwd(), '.lm')),
  /** Where uploads are stored; default `$LM_DATA_DIR/recordings`. */
  LM_RECORDINGS_DIR: z.string().min(1).optional(),
  /** Largest accepted upload in bytes (default 200 MB). */
  LM_RECORDING_MAX_BYTES: env.positiveInt(200 * 1024 * 1024),
  /** Longest recording transcribed, in minutes (decoded audio is held in memory: ~115 MB/hour). */
  LM_RECORDING_MAX_MINUTES: env.positiveInt(180),
  /**
   * Largest WAV kept of one live lecture, in bytes (default 4 hours of 16 kHz mono 16-bit audio,
   * about 461 MB); audio past it is not recorded and a warning is logged.
   */
  LM_LECTURE_AUDIO_MAX_BYTES: env.positiveInt(4 * 3600 * 32_000 + 44),
});

export type RecordingsConfig = z.infer<typeof recordingsConfigSchema>;

export function recordingsDir(config: RecordingsConfig): string {
  return config.LM_RECORDINGS_DIR ?? join(config.LM_DATA_DIR, 'recordings');
}

/** Where live lectures' audio is kept: `lectures/` inside the recordings folder (same volume). */
export function lectureAudioDir(config: RecordingsConfig): string {
  return join(recordingsDir(config), 'lectures');
}

/** The standalone jobs service (services/jobs/src/main.ts). */
export const jobsServiceConfigSchema = recordingsConfigSchema.extend({
  DATABASE_URL: z.string().optional(),
  LM_WHISPER_MODEL: z.string().min(1).default('whisper-base'),
  LM_TRANSCRIBE_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/, 'an ISO 639-1 code such as en')
    .default('en'),
  /** Liveness, readiness and metrics (the image's HEALTHCHECK asks :9090/livez). */
  OPS_HOST: env.host('0.0.0.0'),
  OPS_PORT: env.port(9090),
  LOG_LEVEL: env.logLevel(),
});

export type JobsServiceConfig = z.infer<typeof jobsServiceConfigSchema>;
