import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, hasRole, type Logger } from '@lm/kit';
import type { Identity } from '@lm/identity';
import type { Authenticator } from '../auth/Authenticator.js';
import { email, opaqueToken, parse, password, text } from '../auth/validation.js';

export interface AuthRouteDeps {
  identity: Identity;
  authenticator: Authenticator;
  logger: Logger;
  /** Keycloak mode: where browsers and the CLI log in (the realm's issuer URL). */
  keycloakIssuer?: string | undefined;
}

const registerBody = z.strictObject({ email, password, name: text(120).optional() });
const loginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256) });
const refreshBody = z.strictObject({ refreshToken: opaqueToken });
const resetRequestBody = z.strictObject({ email });
const resetConfirmBody = z.strictObject({ token: opaqueToken, newPassword: password });

/**
 * Local accounts (embedded mode): register, login, refresh, logout, password reset. With
 * Keycloak these answer 409 `failed_precondition` naming the OIDC login instead; tokens are
 * verified the same way in both modes.
 */
export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { identity, authenticator } = deps;
  const localOnly = (): void => {
    if (identity.mode === 'local') return;
    throw new AppError(
      'failed_precondition',
      'This platform signs in with Keycloak (OpenID Connect): the web app uses client lm-web ' +
        '(authorization code + PKCE), the CLI client lm-cli (device authorization)',
      { details: { issuer: deps.keycloakIssuer, webClient: 'lm-web', cliClient: 'lm-cli' } },
    );
  };

  // Which login to use; public, so clients can discover it.
  app.get('/api/auth/config', () =>
    identity.mode === 'local'
      ? { mode: 'local', issuer: identity.issuer?.issuer, audience: identity.issuer?.audience }
      : { mode: 'keycloak', issuer: deps.keycloakIssuer, webClient: 'lm-web', cliClient: 'lm-cli' },
  );

  // Embedded mode: the local signer's public keys, for services verifying its tokens.
  app.get('/api/auth/jwks.json', () => {
    if (!identity.issuer) throw new AppError('not_found', 'Keys are published by Keycloak');
    return identity.issuer.jwks();
  });

  app.post('/api/auth/register', async (request, reply) => {
    localOnly();
    const body = parse(registerBody, request.body);
    const { user, tokens } = await identity.accounts.register(body);
    return reply.status(201).send({ user, tokens });
  });

  app.post('/api/auth/login', async (request) => {
    localOnly();
    const body = parse(loginBody, request.body);
    return identity.accounts.login({ ...body, ip: request.ip });
  });

  app.post('/api/auth/refresh', async (request) => {
    localOnly();
    const body = parse(refreshBody, request.body);
    return identity.accounts.refresh(body.refreshToken);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    localOnly();
    const body = parse(refreshBody, request.body);
    await identity.accounts.logout(body.refreshToken);
    return reply.status(204).send();
  });

  // An admin gets the reset token back (to hand over); anyone else gets 202 whether or not the
  // e-mail exists, so the route does not reveal accounts.
  app.post(
    '/api/auth/password-reset',
    { preHandler: authenticator.optionalPreHandler },
    async (request, reply) => {
      localOnly();
      const body = parse(resetRequestBody, request.body);
      const caller = authenticator.maybePrincipal(request);
      const reset = await identity.accounts.createPasswordReset(body.email);
      if (caller && caller.kind === 'user' && hasRole(caller, 'admin')) {
        if (!reset) throw new AppError('not_found', 'No local account with this e-mail');
        return { resetToken: reset.token, expiresAt: reset.expiresAt.toISOString() };
      }
      if (reset && identity.logResetLinks) {
        // Dev only (LM_DEV_RESET_LINKS): there is no mail; the link is the way to use the token.
        deps.logger.warn(
          { user: reset.userId, devOnlyResetLink: `/reset-password#token=${reset.token}` },
          'DEV ONLY password reset link',
        );
      }
      return reply.status(202).send({ status: 'accepted' });
    },
  );

  app.post('/api/auth/password-reset/confirm', async (request, reply) => {
    localOnly();
    const body = parse(resetConfirmBody, request.body);
    await identity.accounts.confirmPasswordReset(body.token, body.newPassword);
    return reply.status(204).send();
  });
}
