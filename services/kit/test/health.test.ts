import { describe, expect, it } from 'vitest';
import { HealthRegistry, createMetricsRegistry, handleOpsRequest } from '../src/index.js';

describe('HealthRegistry and ops endpoints', () => {
  it('is ready only when every check passes, and not while shutting down', async () => {
    const health = new HealthRegistry({ timeoutMs: 50 });
    const metrics = createMetricsRegistry('test');
    let dbUp = true;
    health.register('database', () => {
      if (!dbUp) throw new Error('connection refused');
    });
    expect((await handleOpsRequest('/readyz', { health, metrics })).status).toBe(200);
    dbUp = false;
    const failing = await handleOpsRequest('/readyz', { health, metrics });
    expect(failing.status).toBe(503);
    expect(failing.body).toContain('connection refused');
    dbUp = true;
    health.register('slow', () => new Promise((r) => setTimeout(r, 500)));
    const slow = await handleOpsRequest('/readyz', { health, metrics });
    expect(slow.status).toBe(503);
    expect(slow.body).toContain('timed out');
    expect((await handleOpsRequest('/livez', { health, metrics })).status).toBe(200);
  });

  it('serves Prometheus metrics with the service label', async () => {
    const health = new HealthRegistry();
    const metrics = createMetricsRegistry('svc-x');
    const res = await handleOpsRequest('/metrics', { health, metrics });
    expect(res.status).toBe(200);
    expect(res.body).toContain('process_cpu_user_seconds_total{service="svc-x"}');
  });
});
