import { z } from 'zod';
import { env, loadConfig } from '@lm/kit';
import { DRAFT_FROM_STREAMS } from './DecodeScheduler.js';
import type { StreamPolicy } from './StreamTranscriber.js';

/**
 * Tutoring audio (decision 0022): a silence of TRANSCRIBER_TUTOR_END_SILENCE_MS ends the
 * student's turn (a lecture's takes 600 ms); a pause of 160 ms ends an utterance once it is
 * TRANSCRIBER_TUTOR_SOFT_END_AFTER_MS long, so the question's words arrive as a final while the
 * tutor still waits for the turn to end; partials are decoded at most every
 * TRANSCRIBER_TUTOR_MIN_DECODE_STEP_MS, so that a partial decode is seldom in the way of the
 * final one when the student stops.
 */
function tutoringPolicySchema() {
  return z.object({
    TRANSCRIBER_TUTOR_END_SILENCE_MS: env.positiveInt(500),
    TRANSCRIBER_TUTOR_SOFT_END_AFTER_MS: z.coerce.number().int().min(0).default(800),
    TRANSCRIBER_TUTOR_MIN_DECODE_STEP_MS: env.positiveInt(900),
  });
}

/** The stream policy changes for tutoring audio, from the environment. */
export function tutoringPolicyFromEnv(
  source: NodeJS.ProcessEnv = process.env,
): Partial<StreamPolicy> {
  const config = loadConfig(tutoringPolicySchema(), source);
  return {
    endSilenceMs: config.TRANSCRIBER_TUTOR_END_SILENCE_MS,
    softEndAfterMs: config.TRANSCRIBER_TUTOR_SOFT_END_AFTER_MS,
    minDecodeStepMs: config.TRANSCRIBER_TUTOR_MIN_DECODE_STEP_MS,
    // The question's words matter more than how soon its partials show (decision 0025).
    draftPartials: false,
  };
}

/** Drafts under load (decision 0025): the live recogniser's models, shared by every process that runs one. */
function liveModelsSchema() {
  return z.object({
    /** Speech-to-text model id from services/models/manifest.json. */
    LM_WHISPER_MODEL: z.string().min(1).default('whisper-base'),
    /** The smaller model for draft partials; "none" decodes every partial on LM_WHISPER_MODEL. */
    LM_WHISPER_DRAFT_MODEL: z.string().min(1).default('whisper-tiny-en'),
    /** Live streams from which partials between pauses are drafts (0: never). */
    TRANSCRIBER_DRAFT_FROM_STREAMS: z.coerce.number().int().min(0).default(DRAFT_FROM_STREAMS),
  });
}

export interface LiveModels {
  model: string;
  /** Undefined: no drafts. */
  draftModel: string | undefined;
  draftFromStreams: number;
}

/** The live recogniser's models, from the environment. */
export function liveModelsFromEnv(source: NodeJS.ProcessEnv = process.env): LiveModels {
  const config = loadConfig(liveModelsSchema(), source);
  const drafts =
    config.LM_WHISPER_DRAFT_MODEL !== 'none' && config.TRANSCRIBER_DRAFT_FROM_STREAMS > 0;
  return {
    model: config.LM_WHISPER_MODEL,
    draftModel: drafts ? config.LM_WHISPER_DRAFT_MODEL : undefined,
    draftFromStreams: drafts ? config.TRANSCRIBER_DRAFT_FROM_STREAMS : 0,
  };
}

/** The transcriber service's settings (read once at start-up; a bad value names the variable). */
export const transcriberConfigSchema = z.object({
  LOG_LEVEL: env.logLevel(),
  OPS_HOST: env.host('127.0.0.1'),
  OPS_PORT: env.port(9090),
  /** PostgreSQL for checkpoints; PGlite in LM_DATA_DIR when unset (single-process use only). */
  DATABASE_URL: z.string().optional(),
  LM_DATA_DIR: z.string().min(1).default('.lm'),
  /** Consumer group shared by the replicas (KEDA scales on its lag). */
  TRANSCRIBER_GROUP: z.string().min(1).default('lm-transcriber'),
  /** whisper.cpp threads per decode. */
  TRANSCRIBER_THREADS: env.positiveInt(2),
  ...tutoringPolicySchema().shape,
  ...liveModelsSchema().shape,
});

export type TranscriberConfig = z.infer<typeof transcriberConfigSchema>;
