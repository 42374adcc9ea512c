import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type Principal, type TokenVerifier } from '@lm/kit';
import { bearerToken } from '../ws.js';

/**
 * Turns a request into a Principal: the bearer token of the Authorization header, or the
 * `access_token` query parameter (WebSockets from browsers cannot set headers), checked by the
 * platform's TokenVerifier — the same for Keycloak's tokens and the embedded issuer's.
 */
export class Authenticator {
  private readonly principals = new WeakMap<FastifyRequest, Principal>();

  constructor(private readonly verifier: TokenVerifier) {}

  /** Fastify preHandler: refuses the request (401) unless it carries a valid token. */
  readonly preHandler = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    this.principals.set(request, await this.authenticate(request));
  };

  /** Fastify preHandler for routes open to anyone that behave differently for a signed-in caller. */
  readonly optionalPreHandler = async (
    request: FastifyRequest,
    _reply: FastifyReply,
  ): Promise<void> => {
    if (!bearerToken(request.headers, request.query)) return;
    this.principals.set(request, await this.authenticate(request));
  };

  /** Verifies the request's token; `unauthenticated` when it is missing or bad. */
  async authenticate(request: Pick<FastifyRequest, 'headers' | 'query'>): Promise<Principal> {
    const token = bearerToken(request.headers, request.query);
    if (!token) throw new AppError('unauthenticated', 'Sign in first: no bearer token');
    return this.verifier.verify(token);
  }

  /** The principal established by `preHandler`; throws when the route forgot it (fails closed). */
  principal(request: FastifyRequest): Principal {
    const principal = this.principals.get(request);
    if (!principal) throw new AppError('unauthenticated', 'Sign in first');
    return principal;
  }

  /** The principal when `optionalPreHandler` found one. */
  maybePrincipal(request: FastifyRequest): Principal | undefined {
    return this.principals.get(request);
  }
}
