import type { Registry } from 'prom-client';
import { HealthRegistry } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { startOpsServer } from './ops-server.js';
import { GracefulShutdown } from './shutdown.js';

export interface ServiceRuntimeOptions {
  service: string;
  logLevel?: string;
  /** Liveness, readiness and metrics; a service whose HTTP API serves them passes `undefined`. */
  ops?: { host: string; port: number } | undefined;
  /** How long a shutdown may take in all (default 15 s); the media service drains live rooms. */
  shutdownDeadlineMs?: number;
}

/**
 * What every service process starts with: JSON logger, graceful shutdown on SIGTERM/SIGINT,
 * readiness checks, Prometheus metrics and the ops HTTP server. Things the service opens are
 * handed to `shutdown.add` in order and closed in reverse.
 */
export interface ServiceRuntime {
  logger: Logger;
  shutdown: GracefulShutdown;
  health: HealthRegistry;
  metrics: Registry;
  opsPort: number | undefined;
  /** Call once everything is running: logs it, and makes shutdown fail readiness first. */
  ready(fields?: Record<string, unknown>): void;
}

export async function startServiceRuntime(options: ServiceRuntimeOptions): Promise<ServiceRuntime> {
  const logger = createLogger({
    service: options.service,
    ...(options.logLevel ? { level: options.logLevel } : {}),
  });
  const shutdown = new GracefulShutdown(logger, options.shutdownDeadlineMs);
  shutdown.listen();
  const health = new HealthRegistry();
  const metrics = createMetricsRegistry(options.service);
  // Not ready until the service says everything runs (the ops server answers from the start).
  let started = false;
  health.register('startup', () => {
    if (!started) throw new Error('still starting');
  });
  let opsPort: number | undefined;
  if (options.ops) {
    const ops = await startOpsServer({ ...options.ops, health, metrics });
    shutdown.add('ops', () => ops.close());
    opsPort = ops.port;
  }
  return {
    logger,
    shutdown,
    health,
    metrics,
    opsPort,
    ready(fields = {}) {
      started = true;
      shutdown.add('readiness', () => health.markShuttingDown());
      logger.info({ ...fields, opsPort }, `${options.service} running`);
    },
  };
}
