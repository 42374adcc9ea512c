import { join } from 'node:path';
import { z } from 'zod';
import { env } from '@lm/kit';

/** The embedded platform's own settings (each service adds its own schema's variables). */
export const embeddedConfigSchema = z.object({
  /** Where the platform keeps its data: PGlite database, signing key, uploads. */
  LM_DATA_DIR: z.string().min(1).default(join(process.cwd(), '.lm')),
  /** The URL people use to reach the gateway (token issuer, links); default from host and port. */
  LM_PUBLIC_URL: env.optionalUrl(),
  /** Offer WebRTC (mediasoup); without it only the WebSocket ingest takes audio. */
  LM_MEDIA_ENABLED: env.boolean(true),
  /** Seed the development accounts and course (docs/development.md). */
  LM_DEV_SEED: env.boolean(true),
  DATABASE_URL: z.string().optional(),
});

export type EmbeddedConfig = z.infer<typeof embeddedConfigSchema>;
