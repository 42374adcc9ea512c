import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '@lm/kit';

type Mediasoup = typeof import('mediasoup');

const require = createRequire(import.meta.url);

/** Version of the installed mediasoup package (its package.json is not in its export map). */
export function mediasoupVersion(): string {
  const main = require.resolve('mediasoup'); // <pkg>/node/lib/index.js
  const pkgJson = path.resolve(main, '../../../package.json');
  return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
}

/** Where scripts/setup/mediasoup.sh caches the worker it builds for this mediasoup version. */
export function defaultWorkerBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheDir = env.LM_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'little-monster');
  return path.join(cacheDir, `mediasoup-worker-${mediasoupVersion()}`, 'mediasoup-worker');
}

/**
 * The worker binary to run: the given path, else MEDIASOUP_WORKER_BIN, else the setup script's
 * cache. Throws a clear error naming the setup script when the binary is not there.
 */
export function resolveWorkerBinary(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const candidate = explicit ?? env.MEDIASOUP_WORKER_BIN ?? defaultWorkerBinaryPath(env);
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new AppError(
      'failed_precondition',
      `mediasoup worker binary not found or not executable at ${candidate}: ` +
        'build it with scripts/setup/mediasoup.sh (or set MEDIASOUP_WORKER_BIN)',
      { details: { path: candidate } },
    );
  }
  return candidate;
}

let loaded: Promise<Mediasoup> | undefined;

/**
 * Imports mediasoup after pointing MEDIASOUP_WORKER_BIN at the worker: mediasoup reads that
 * variable once, when its module is first loaded, so nothing in this package imports mediasoup
 * statically (type-only imports are erased).
 */
export function loadMediasoup(workerBin?: string): Promise<Mediasoup> {
  if (loaded) return loaded;
  const bin = resolveWorkerBinary(workerBin);
  process.env.MEDIASOUP_WORKER_BIN = bin;
  loaded = import('mediasoup').then((mediasoup) => {
    if (mediasoup.workerBin !== bin) {
      // Someone imported mediasoup before this ran; it would spawn another (likely absent) binary.
      throw new AppError(
        'failed_precondition',
        `mediasoup was loaded before @lm/media set MEDIASOUP_WORKER_BIN (it uses ${mediasoup.workerBin}); ` +
          'import mediasoup only through @lm/media, or set MEDIASOUP_WORKER_BIN before start-up',
      );
    }
    return mediasoup;
  });
  loaded.catch(() => (loaded = undefined));
  return loaded;
}
