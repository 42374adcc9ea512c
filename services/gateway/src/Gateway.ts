import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  AppError,
  OPS_PATHS,
  handleOpsRequest,
  type HealthRegistry,
  type Logger,
  type Registry,
} from '@lm/kit';
import type { GatewayConfig } from './config.js';
import { renderStatusPage } from './status-page.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  health: HealthRegistry;
  metrics: Registry;
  version: string;
  /** "embedded" or "distributed", shown on the status page. */
  mode: string;
  /** What this gateway runs on (bus, database, identity...), shown on the status page. */
  components: { name: string; detail: string }[];
  /** Where `/` leads: the web app when it is served, else the status page. */
  homePath?: string;
}

/** The HTTP + WebSocket edge of the platform. */
export class Gateway {
  readonly app: FastifyInstance;
  private readonly startedAt = new Date();

  constructor(private readonly deps: GatewayDeps) {
    this.app = Fastify({
      // pino's Logger and Fastify's logger type differ only in generics; tsc needs the cast.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      loggerInstance: deps.logger as FastifyBaseLogger,
      bodyLimit: deps.config.GATEWAY_BODY_LIMIT_BYTES,
      trustProxy: deps.config.GATEWAY_TRUST_PROXY,
      // Per-request lines are off: URLs of WebSockets may carry an access token in the query.
      logController: new LogController({ disableRequestLogging: true }),
    });
    // Frames above 1 MiB are refused (an audio frame is a few KB); slow clients are handled per route.
    void this.app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    this.app.setErrorHandler((error, request, reply) => {
      const appError = toAppError(error);
      if (appError.code === 'internal') request.log.error({ err: error }, 'request failed');
      void reply.status(appError.httpStatus).send(appError.toJSON());
    });
    this.app.setNotFoundHandler((request, reply) => {
      const error = new AppError(
        'not_found',
        `No route for ${request.method} ${request.url.split('?')[0]}`,
      );
      void reply.status(404).send(error.toJSON());
    });
    this.registerOpsRoutes();
  }

  private registerOpsRoutes(): void {
    const ops = { health: this.deps.health, metrics: this.deps.metrics };
    for (const path of Object.values(OPS_PATHS)) {
      this.app.get(path, async (request, reply) => {
        const result = await handleOpsRequest(request.url, ops);
        return reply.status(result.status).type(result.contentType).send(result.body);
      });
    }
    this.app.get('/api/status', async () => ({
      service: 'gateway',
      version: this.deps.version,
      mode: this.deps.mode,
      startedAt: this.startedAt.toISOString(),
      readiness: await this.deps.health.readiness(),
      components: this.deps.components,
    }));
    this.app.get('/status', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(
        renderStatusPage({
          version: this.deps.version,
          mode: this.deps.mode,
          startedAt: this.startedAt,
          readiness: await this.deps.health.readiness(),
          components: this.deps.components,
        }),
      ),
    );
    this.app.get('/', async (_request, reply) => reply.redirect(this.deps.homePath ?? '/status'));
  }

  /**
   * Adds a group of routes. They are registered as a plugin after the WebSocket plugin, so
   * `{ websocket: true }` routes work; call before `listen`.
   */
  addRoutes(register: (app: FastifyInstance) => void): void {
    void this.app.register((instance, _options, done) => {
      register(instance);
      done();
    });
  }

  async listen(): Promise<number> {
    await this.app.listen({
      host: this.deps.config.GATEWAY_HOST,
      port: this.deps.config.GATEWAY_PORT,
    });
    const address = this.app.server.address();
    const port =
      typeof address === 'object' && address ? address.port : this.deps.config.GATEWAY_PORT;
    this.deps.logger.info({ host: this.deps.config.GATEWAY_HOST, port }, 'gateway listening');
    return port;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** Fastify's own errors (bad JSON, body too large) keep their meaning as AppError codes. */
function toAppError(error: unknown): AppError {
  if (AppError.is(error)) return error;
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError('payload_too_large', 'Request body is too large');
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('unsupported_media_type', fastifyError.message ?? 'Unsupported media type');
  }
  if (fastifyError.statusCode === 400) {
    return new AppError('invalid_argument', fastifyError.message ?? 'Bad request');
  }
  return AppError.from(error);
}
