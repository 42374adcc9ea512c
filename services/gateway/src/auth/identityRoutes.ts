import type { FastifyInstance } from 'fastify';
import type { Logger } from '@lm/kit';
import type { Identity } from '@lm/identity';
import { registerAdminRoutes } from '../routes/admin.js';
import { registerAuthRoutes } from '../routes/auth.js';
import { registerCourseRoutes } from '../routes/courses.js';
import { registerMeRoutes } from '../routes/me.js';
import { Authenticator } from './Authenticator.js';

export interface IdentityRouteDeps {
  identity: Identity;
  logger: Logger;
  /** Shared with the other route groups, so every route checks tokens the same way. */
  authenticator?: Authenticator;
  /** Keycloak mode: the realm's issuer URL, named in the "log in with OIDC" answers. */
  keycloakIssuer?: string | undefined;
}

/** Every identity route: /api/auth/*, /api/me*, /api/courses*, /api/admin/*. */
export function registerIdentityRoutes(
  app: FastifyInstance,
  deps: IdentityRouteDeps,
): Authenticator {
  const authenticator = deps.authenticator ?? new Authenticator(deps.identity.verifier);
  const common = { identity: deps.identity, authenticator };
  registerAuthRoutes(app, { ...common, logger: deps.logger, keycloakIssuer: deps.keycloakIssuer });
  registerMeRoutes(app, common);
  registerCourseRoutes(app, common);
  registerAdminRoutes(app, common);
  return authenticator;
}
