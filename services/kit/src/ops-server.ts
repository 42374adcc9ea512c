import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  health: HealthRegistry;
  metrics: Registry;
}

export const OPS_PATHS = { live: '/livez', ready: '/readyz', metrics: '/metrics' } as const;

/**
 * Liveness, readiness and Prometheus metrics on a small HTTP server of their own, for
 * services that have no HTTP API. (The gateway serves the same paths on its main port.)
 */
export async function startOpsServer(
  options: OpsServerOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void handleOpsRequest(req.url ?? '/', options).then(({ status, contentType, body }) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function handleOpsRequest(
  url: string,
  options: Pick<OpsServerOptions, 'health' | 'metrics'>,
): Promise<{ status: number; contentType: string; body: string }> {
  const path = url.split('?')[0];
  if (path === OPS_PATHS.live) {
    return json(200, options.health.liveness());
  }
  if (path === OPS_PATHS.ready) {
    const report = await options.health.readiness();
    return json(report.status === 'ok' ? 200 : 503, report);
  }
  if (path === OPS_PATHS.metrics) {
    return {
      status: 200,
      contentType: options.metrics.contentType,
      body: await options.metrics.metrics(),
    };
  }
  return json(404, {
    error: { code: 'not_found', message: `No ops endpoint at ${path}`, retryable: false },
  });
}

function json(status: number, value: unknown) {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}
