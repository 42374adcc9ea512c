import {
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { AppError } from './errors.js';

/** Metadata key that carries the stable AppError code next to the gRPC status. */
export const ERROR_CODE_METADATA = 'lm-error-code';

export interface GrpcCallContext {
  metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
}

/** Wraps an async function as a grpc-js unary handler; thrown AppErrors keep their code. */
export function unaryHandler<Req, Res>(
  logger: Logger,
  fn: (request: Req, context: GrpcCallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    fn(call.request, { metadata: call.metadata, signal: controller.signal }).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServiceError(error, logger)),
    );
  };
}

/** Wraps an async generator as a grpc-js server-streaming handler with back-pressure. */
export function serverStreamHandler<Req, Res>(
  logger: Logger,
  fn: (request: Req, context: GrpcCallContext) => AsyncIterable<Res>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    void (async () => {
      try {
        for await (const item of fn(call.request, {
          metadata: call.metadata,
          signal: controller.signal,
        })) {
          if (controller.signal.aborted) break;
          if (!call.write(item)) await new Promise((resolve) => call.once('drain', resolve));
        }
        call.end();
      } catch (error) {
        // grpc-js sends the status from its own 'error' listener; destroy() would drop it.
        call.emit('error', toServiceError(error, logger));
      }
    })();
  };
}

export function toServiceError(error: unknown, logger?: Logger): ServiceError {
  const appError = AppError.from(error);
  if (appError.code === 'internal') logger?.error({ err: error }, 'gRPC handler failed');
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, appError.code);
  return Object.assign(new Error(appError.message), {
    code: appError.grpcStatus,
    details: appError.message,
    metadata,
  });
}

/** Turns a client-side ServiceError back into the AppError the server threw. */
export function fromServiceError(error: ServiceError): AppError {
  const hint = error.metadata?.get(ERROR_CODE_METADATA)[0];
  return AppError.fromGrpc(
    error.code ?? GrpcStatus.UNKNOWN,
    error.details || error.message,
    typeof hint === 'string' ? hint : undefined,
  );
}

/** Calls a generated unary client method as a promise, with a deadline. */
export function callUnary<Req, Res>(
  method: (
    request: Req,
    metadata: Metadata,
    options: { deadline: Date },
    callback: (error: ServiceError | null, response: Res) => void,
  ) => unknown,
  request: Req,
  options: { metadata?: Metadata; deadlineMs?: number } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(
      request,
      options.metadata ?? new Metadata(),
      { deadline: new Date(Date.now() + (options.deadlineMs ?? 10_000)) },
      (error, response) => (error ? reject(fromServiceError(error)) : resolve(response)),
    );
  });
}

/**
 * A grpc-js server with the standard grpc.health.v1 service. Each added service is
 * reported SERVING once the server is bound, and NOT_SERVING while shutting down.
 */
export class GrpcServer {
  private readonly server = new Server();
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly serviceNames: string[] = [];

  constructor(private readonly logger: Logger) {
    this.health.addToServer(this.server);
  }

  addService<Impl extends UntypedServiceImplementation>(
    name: string,
    definition: ServiceDefinition,
    implementation: Impl,
  ): void {
    this.server.addService(definition, implementation);
    this.serviceNames.push(name);
    this.health.setStatus(name, 'NOT_SERVING');
  }

  async listen(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(
        `${host}:${port}`,
        ServerCredentials.createInsecure(),
        (error, actual) => (error ? reject(error) : resolve(actual)),
      );
    });
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, 'SERVING');
    this.logger.info({ host, port: bound, services: this.serviceNames }, 'gRPC server listening');
    return bound;
  }

  /** Stops taking calls, lets running ones finish for up to `graceMs`, then cuts the rest. */
  async close(graceMs = 5000): Promise<void> {
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
