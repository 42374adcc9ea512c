import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../ws.js';

/**
 * The access token of the request being served, for the gRPC clients of the distributed gateway:
 * they forward it (as `x-lm-user-token`) so each service checks the user itself. It is kept in
 * an AsyncLocalStorage because the route ports (MaterialLibraryPort, TutorPort, ...) take ids,
 * not requests. The token is not verified here; the route verifies it (Authenticator) and the
 * service verifies it again.
 */
export class UserTokenContext {
  private readonly storage = new AsyncLocalStorage<string | undefined>();

  /**
   * Runs every route handler of `app` (and its child plugins) inside its request's context.
   * Add it to the root instance before routes are loaded.
   */
  install(app: FastifyInstance): void {
    app.addHook('preHandler', (request, _reply, done) => {
      this.storage.run(bearerToken(request.headers, request.query), done);
    });
  }

  /** The current request's token; undefined outside a request or without a token. */
  current(): string | undefined {
    return this.storage.getStore();
  }

  /** Runs `fn` as if serving a request that carried `token` (tests, background work). */
  run<T>(token: string | undefined, fn: () => T): T {
    return this.storage.run(token, fn);
  }
}
