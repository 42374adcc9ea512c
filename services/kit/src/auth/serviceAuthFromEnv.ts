import { z } from 'zod';
import { env, loadConfig } from '../config.js';
import { ClientCredentialsTokenSource } from './ClientCredentialsTokenSource.js';
import type { ServiceTokenSource } from './grpcAuth.js';
import { JwksTokenVerifier, type TokenVerifier } from './JwksTokenVerifier.js';

/** The audience every platform access token carries (Keycloak: the `lm-api` audience mapper). */
export const PLATFORM_AUDIENCE = 'lm-api';

/**
 * Where a service process learns whom to trust and who it is. With KEYCLOAK_URL: the realm's
 * JWKS, and its own confidential client (client credentials). Without: the gateway's local
 * issuer (LM_AUTH_ISSUER, its JWKS at LM_AUTH_JWKS_URL, by default `<issuer origin>/api/auth/jwks.json`).
 */
export const serviceAuthConfigSchema = z
  .object({
    KEYCLOAK_URL: env.optionalUrl(),
    /** The issuer of users' tokens when browsers reach Keycloak under another URL. */
    KEYCLOAK_PUBLIC_URL: env.optionalUrl(),
    KEYCLOAK_REALM: z.string().min(1).default('little-monster'),
    /** Local accounts: the gateway's issuer (`<gateway public URL>/auth`). */
    LM_AUTH_ISSUER: env.optionalUrl(),
    LM_AUTH_JWKS_URL: env.optionalUrl(),
  })
  .refine((c) => c.KEYCLOAK_URL || c.LM_AUTH_ISSUER, {
    message:
      'set KEYCLOAK_URL (Keycloak) or LM_AUTH_ISSUER (the gateway’s local issuer): gRPC calls are verified',
    path: ['KEYCLOAK_URL'],
  });

export interface ServiceAuth {
  /** Verifies callers' (services') and end users' tokens. */
  verifier: TokenVerifier;
  /** This service's own identity for outgoing calls; undefined when no secret is configured. */
  tokens: ServiceTokenSource | undefined;
  /** For the start-up log line: which identity provider, never a secret. */
  describe: string;
}

/** The secret of a service's Keycloak client `lm-<service>`: LM_CLIENT_SECRET_<SERVICE>. */
export function clientSecretVariable(service: string): string {
  return `LM_CLIENT_SECRET_${service.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The caller-identity setup of a service main, from the environment: a verifier for incoming
 * gRPC calls and (Keycloak mode, with LM_CLIENT_SECRET_<SERVICE>) a token source for outgoing
 * ones as client `lm-<service>`. A missing identity provider stops start-up: a gRPC server must
 * never run unauthenticated.
 */
export function serviceAuthFromEnv(
  service: string,
  environment: NodeJS.ProcessEnv = process.env,
): ServiceAuth {
  const config = loadConfig(serviceAuthConfigSchema, environment);
  if (config.KEYCLOAK_URL) {
    const realm = encodeURIComponent(config.KEYCLOAK_REALM);
    const base = config.KEYCLOAK_URL.replace(/\/+$/, '');
    const issuers = [`${base}/realms/${realm}`];
    if (config.KEYCLOAK_PUBLIC_URL)
      issuers.push(`${config.KEYCLOAK_PUBLIC_URL.replace(/\/+$/, '')}/realms/${realm}`);
    const clientId = `lm-${service}`;
    const secret = environment[clientSecretVariable(service)]?.trim();
    return {
      verifier: new JwksTokenVerifier({
        issuer: [...new Set(issuers)],
        audience: PLATFORM_AUDIENCE,
        jwks: new URL(`${base}/realms/${realm}/protocol/openid-connect/certs`),
      }),
      tokens: secret
        ? ClientCredentialsTokenSource.forKeycloak(base, config.KEYCLOAK_REALM, clientId, secret)
        : undefined,
      describe: `Keycloak (${issuers.join(', ')}) as ${clientId}`,
    };
  }
  const issuer = (config.LM_AUTH_ISSUER ?? '').replace(/\/+$/, '');
  const jwks = config.LM_AUTH_JWKS_URL ?? `${new URL(issuer).origin}/api/auth/jwks.json`;
  return {
    verifier: new JwksTokenVerifier({
      issuer,
      audience: PLATFORM_AUDIENCE,
      jwks: new URL(jwks),
      // The gateway's key changes only when its key file is replaced: pick that up quickly.
      jwksCooldownMs: 5000,
    }),
    // Local service tokens are signed by the gateway's key, which only the gateway holds.
    tokens: undefined,
    describe: `local issuer ${issuer} (keys from ${jwks})`,
  };
}
