import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '@lm/kit';
import type { Identity } from '@lm/identity';
import type { Authenticator } from '../auth/Authenticator.js';
import { avatarUrl, parse, password, preferences, text } from '../auth/validation.js';

export interface MeRouteDeps {
  identity: Identity;
  authenticator: Authenticator;
}

const profilePatch = z.strictObject({
  name: text(120).optional(),
  avatarUrl: avatarUrl.nullable().optional(),
  preferences: preferences.optional(),
});
const passwordChange = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: password,
});

/** The caller's own profile and password. */
export function registerMeRoutes(app: FastifyInstance, deps: MeRouteDeps): void {
  const { identity, authenticator } = deps;
  const auth = { preHandler: authenticator.preHandler };

  const userOf = async (principal: ReturnType<Authenticator['principal']>) => {
    if (principal.kind !== 'user')
      throw new AppError('permission_denied', 'Services have no profile');
    // Keycloak users get a row (profile, preferences) the first time they are seen.
    return identity.mode === 'keycloak'
      ? identity.accounts.ensureExternalUser(principal)
      : identity.accounts.profile(principal.userId);
  };

  app.get('/api/me', auth, async (request) => userOf(authenticator.principal(request)));

  app.patch('/api/me', auth, async (request) => {
    const principal = authenticator.principal(request);
    const patch = parse(profilePatch, request.body);
    await userOf(principal);
    return identity.accounts.updateProfile(principal.userId, patch);
  });

  app.post('/api/me/password', auth, async (request, reply) => {
    const principal = authenticator.principal(request);
    if (identity.mode !== 'local')
      throw new AppError('failed_precondition', 'Passwords are changed in Keycloak');
    const body = parse(passwordChange, request.body);
    await identity.accounts.changePassword(
      principal.userId,
      body.currentPassword,
      body.newPassword,
    );
    return reply.status(204).send();
  });
}
