import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@lm/kit';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../../src/platform.js';

/** The whole embedded platform on a free loopback port with its own data folder. */
export async function startTestPlatform(
  extraEnv: Record<string, string> = {},
): Promise<EmbeddedPlatform & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lm-platform-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LM_CACHE_DIR: process.env.LM_CACHE_DIR,
    LM_MODELS_DIR: process.env.LM_MODELS_DIR,
    MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    LM_DATA_DIR: dataDir,
    MEDIA_WORKERS: '1',
    ...extraEnv,
  };
  const logger = createLogger({
    service: 'platform-test',
    level: process.env.LOG_LEVEL ?? 'warn',
  });
  const platform = await startEmbeddedPlatform({ logger, env });
  return {
    ...platform,
    dataDir,
    stop: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
