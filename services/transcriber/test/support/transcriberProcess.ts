import { fileURLToPath } from 'node:url';
import { ServiceProcess, freePort } from '@lm/kit/testing';

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/**
 * The transcriber's own entry point (what its container runs) as a child process, so a test can
 * kill it the hard way (SIGKILL: no shutdown hook, no last commit) and start another. `env` goes
 * on top of this process's; resolves once /readyz answers.
 */
export async function startTranscriber(
  name: string,
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<ServiceProcess> {
  const opsPort = await freePort();
  return ServiceProcess.start({
    name,
    entry: mainScript,
    env: { ...process.env, ...env, OPS_HOST: '127.0.0.1', OPS_PORT: String(opsPort) },
    readyUrl: `http://127.0.0.1:${opsPort}/readyz`,
    readyTimeoutMs,
  });
}
