import { env } from '@lm/kit';
import { z } from 'zod';

/** The speech service's environment (the bus reads KAFKA_BROKERS / LM_TOPIC_PREFIX itself). */
export const speechConfigSchema = z.object({
  GRPC_HOST: env.host('0.0.0.0'),
  GRPC_PORT: env.port(50051),
  OPS_HOST: env.host('0.0.0.0'),
  OPS_PORT: env.port(9090),
  LOG_LEVEL: env.logLevel(),
  /** The voice replies are spoken with (a text-to-speech id of the model manifest). */
  SPEECH_VOICE: z.string().min(1).default('piper-en-us-joe-medium'),
  /** Audio sent ahead of playback: bounds how long the tutor talks on after a barge-in. */
  SPEECH_LEAD_MS: env.positiveInt(200),
});

export type SpeechConfig = z.infer<typeof speechConfigSchema>;
