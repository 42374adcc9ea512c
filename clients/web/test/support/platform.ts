import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '@lm/embedded';
import { createLogger } from '@lm/kit';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Builds the web app if its sources changed (cached; the same script the setup runs). */
export function buildWebApp(): void {
  execFileSync('bash', [join(repoRoot, 'scripts/setup/web.sh')], { stdio: 'inherit' });
}

/** The embedded platform (serving the built app) on a free loopback port with its own data folder. */
export async function startPlatform(): Promise<EmbeddedPlatform & { stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lm-web-platform-'));
  const platform = await startEmbeddedPlatform({
    logger: createLogger({
      service: 'web-test',
      level: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn',
    }),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LM_CACHE_DIR: process.env.LM_CACHE_DIR,
      LM_MODELS_DIR: process.env.LM_MODELS_DIR,
      MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      LM_DATA_DIR: dataDir,
      MEDIA_WORKERS: '1',
    },
  });
  return {
    ...platform,
    stop: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
