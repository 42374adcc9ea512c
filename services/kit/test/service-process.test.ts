import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ServiceProcess, freePort } from '../src/testing/index.js';

const entry = fileURLToPath(new URL('./fixtures/tiny-service.ts', import.meta.url));

describe('ServiceProcess', () => {
  it('starts an entry point, waits for its readiness, reads its log lines and stops it', async () => {
    const port = await freePort();
    const service = await ServiceProcess.start({
      name: 'tiny',
      entry,
      env: { ...process.env, PORT: String(port) },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      readyTimeoutMs: 8_000,
    });
    expect(service.running).toBe(true);
    await expect
      .poll(() => service.lines().find((l) => l.msg === 'listening'))
      .toMatchObject({ port });
    expect(await service.stop()).toBe(0);
    expect(service.running).toBe(false);
  });

  it('fails fast, with its output, when the process dies before it is ready', async () => {
    const started = Date.now();
    await expect(
      ServiceProcess.start({
        name: 'tiny',
        entry,
        env: { ...process.env, FAIL_AT_START: '1', PORT: '1' },
        readyUrl: 'http://127.0.0.1:1/readyz',
        readyTimeoutMs: 8_000,
      }),
    ).rejects.toThrow(/tiny exited during start-up:\n[\s\S]*FAIL_AT_START is set/);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
