import {
  JwksTokenVerifier,
  LocalServiceTokenSource,
  type LocalTokenIssuer,
  type Logger,
  type ServiceTokenSource,
  type TokenVerifier,
} from '@lm/kit';
import type { Db } from '@lm/db';
import { AccessPolicy } from './AccessPolicy.js';
import { Courses } from './Courses.js';
import { LocalAccounts } from './LocalAccounts.js';
import type { LoginRateLimiter } from './LoginRateLimiter.js';
import type { PasswordHasher } from './PasswordHasher.js';

export type IdentityMode = 'local' | 'keycloak';

/** The audience every access token for the platform's API carries (Keycloak: audience mapper). */
export const API_AUDIENCE = 'lm-api';

export interface IdentityOptions {
  db: Db;
  logger: Logger;
  /** local: accounts in the database, tokens from `issuer`; keycloak: tokens from Keycloak, checked by `verifier`. */
  mode: IdentityMode;
  issuer?: LocalTokenIssuer | undefined;
  verifier?: TokenVerifier | undefined;
  hasher?: PasswordHasher;
  rateLimiter?: LoginRateLimiter;
  /** Dev only: log password-reset links (they carry the token). Never in production. */
  logResetLinks?: boolean;
}

/** Everything identity-related that routes and services use. */
export interface Identity {
  mode: IdentityMode;
  verifier: TokenVerifier;
  /** Embedded mode's signer (also serves /auth/jwks.json); undefined with Keycloak. */
  issuer: LocalTokenIssuer | undefined;
  accounts: LocalAccounts;
  courses: Courses;
  policy: AccessPolicy;
  logResetLinks: boolean;
  /** Embedded mode: a service identity for gRPC calls; Keycloak mode uses client credentials. */
  serviceTokens(clientId: string): ServiceTokenSource;
}

/** Wires identity for either mode; the same verification path serves both. */
export function createIdentity(options: IdentityOptions): Identity {
  const { db, logger, mode } = options;
  let verifier = options.verifier;
  if (mode === 'local') {
    const issuer = options.issuer;
    if (!issuer) throw new Error('createIdentity: local mode needs an issuer');
    verifier ??= new JwksTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: issuer.jwks(),
    });
  }
  if (!verifier) throw new Error('createIdentity: keycloak mode needs a verifier');
  const policy = new AccessPolicy(db);
  const accounts = new LocalAccounts({
    db,
    issuer: mode === 'local' ? options.issuer : undefined,
    logger: logger.child({ component: 'accounts' }),
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
  });
  return {
    mode,
    verifier,
    issuer: mode === 'local' ? options.issuer : undefined,
    accounts,
    courses: new Courses(db, policy, logger.child({ component: 'courses' })),
    policy,
    logResetLinks: options.logResetLinks ?? false,
    serviceTokens(clientId: string): ServiceTokenSource {
      if (!options.issuer)
        throw new Error('serviceTokens: in Keycloak mode use ClientCredentialsTokenSource');
      return new LocalServiceTokenSource(options.issuer, clientId);
    },
  };
}

/** A verifier for a Keycloak realm: issuer `<url>/realms/<realm>`, keys from its JWKS endpoint. */
export function keycloakVerifier(options: {
  keycloakUrl: string;
  realm: string;
  audience?: string;
}): JwksTokenVerifier {
  const issuer = `${options.keycloakUrl.replace(/\/+$/, '')}/realms/${encodeURIComponent(options.realm)}`;
  return new JwksTokenVerifier({
    issuer,
    audience: options.audience ?? API_AUDIENCE,
    jwks: new URL(`${issuer}/protocol/openid-connect/certs`),
  });
}
