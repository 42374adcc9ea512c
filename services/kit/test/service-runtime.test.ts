import { describe, expect, it } from 'vitest';
import { startServiceRuntime } from '../src/index.js';

describe('startServiceRuntime', () => {
  it('answers liveness at once but readiness only after ready(), and fails readiness while shutting down', async () => {
    const runtime = await startServiceRuntime({
      service: 'runtime-test',
      logLevel: 'silent',
      ops: { host: '127.0.0.1', port: 0 },
    });
    const url = (path: string) => `http://127.0.0.1:${runtime.opsPort}${path}`;
    try {
      expect((await fetch(url('/livez'))).status).toBe(200);
      const starting = await fetch(url('/readyz'));
      expect(starting.status).toBe(503);
      expect(await starting.text()).toContain('still starting');
      runtime.ready();
      expect((await fetch(url('/readyz'))).status).toBe(200);
    } finally {
      await runtime.shutdown.shutdown();
    }
    // The ops server closed with the rest.
    await expect(fetch(url('/livez'))).rejects.toThrow();
  });
});
