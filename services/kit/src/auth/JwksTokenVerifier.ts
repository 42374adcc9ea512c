import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { AppError } from '../errors.js';
import { ROLES, type Principal, type Role } from './Principal.js';

/** Checks an access token and says who it belongs to. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface JwksTokenVerifierOptions {
  /**
   * Expected `iss`, e.g. `<keycloak>/realms/little-monster`; several when one realm is reached
   * under two names (the public URL browsers use, the in-cluster one services use).
   */
  issuer: string | string[];
  /** Expected `aud` (one of). */
  audience: string | string[];
  /** Keys: the realm's JWKS URL (fetched, cached, refetched on an unknown `kid`) or a local key set. */
  jwks: URL | JSONWebKeySet;
  /** Accepted algorithms; `none` and HMAC are never accepted. */
  algorithms?: string[];
  /** Tolerated clock difference for exp/nbf/iat. */
  clockToleranceSeconds?: number;
  /**
   * Least time between two JWKS fetches (remote JWKS only). A token with an unknown `kid` makes
   * jose refetch once this has passed since the last fetch, so a rotated key is picked up within
   * it; it also stops forged `kid`s from turning each request into a fetch. Default 30 s.
   */
  jwksCooldownMs?: number;
}

/**
 * Verifies OIDC access tokens (Keycloak's, or the embedded issuer's — same shape) against a
 * JWKS: signature with a pinned algorithm, issuer, audience, expiry and not-before. Rotated
 * keys are picked up without a restart: an unknown `kid` makes jose refetch the key set.
 */
export class JwksTokenVerifier implements TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly options: JwksTokenVerifierOptions) {
    this.algorithms = (options.algorithms ?? ['RS256']).filter(
      (a) => a !== 'none' && !a.startsWith('HS'),
    );
    if (this.algorithms.length === 0)
      throw new Error('JwksTokenVerifier needs at least one asymmetric algorithm');
    this.keys =
      options.jwks instanceof URL
        ? createRemoteJWKSet(options.jwks, {
            cooldownDuration: options.jwksCooldownMs ?? 30_000,
            cacheMaxAge: 10 * 60_000,
            timeoutDuration: 5000,
          })
        : createLocalJWKSet(options.jwks);
  }

  async verify(token: string): Promise<Principal> {
    if (!token || token.length > 16_384 || token.split('.').length !== 3) {
      throw new AppError('unauthenticated', 'Malformed access token');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      throw new AppError('unauthenticated', describe(error), { cause: error });
    }
    const typ = (payload as { typ?: unknown }).typ;
    if (typ !== undefined && typ !== 'Bearer')
      throw new AppError('unauthenticated', `Not an access token (typ ${JSON.stringify(typ)})`);
    return toPrincipal(payload);
  }
}

/** Keycloak's claim layout: realm roles in `realm_access.roles`, service accounts as `service-account-<client>`. */
export function toPrincipal(payload: JWTPayload): Principal {
  const claims = payload as JWTPayload & {
    preferred_username?: string;
    email?: string;
    name?: string;
    azp?: string;
    realm_access?: { roles?: unknown };
  };
  const rawRoles = Array.isArray(claims.realm_access?.roles) ? claims.realm_access.roles : [];
  const roles = rawRoles.filter(
    (r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r),
  );
  const username = claims.preferred_username ?? claims.sub ?? '';
  // A service account is named after its own client (Keycloak: `service-account-<client id>`);
  // a person whose name merely starts with the prefix is still a person.
  const isService =
    typeof claims.azp === 'string' && username === `service-account-${claims.azp.toLowerCase()}`;
  return {
    userId: claims.sub ?? '',
    username,
    email: claims.email,
    name: claims.name,
    roles,
    kind: isService ? 'service' : 'user',
    clientId: claims.azp,
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Access token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `Access token refused: ${error.claim} ${error.reason}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'Access token signed with an algorithm that is not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'Access token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return 'Access token signed with an unknown key';
  if (error instanceof joseErrors.JWKSTimeout)
    return 'Identity provider keys could not be fetched in time';
  if (error instanceof joseErrors.JOSEError) return `Access token refused: ${error.code}`;
  return 'Access token refused';
}
