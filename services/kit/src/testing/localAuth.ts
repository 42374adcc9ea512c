import { JwksTokenVerifier } from '../auth/JwksTokenVerifier.js';
import { LocalTokenIssuer } from '../auth/LocalTokenIssuer.js';
import { AppError } from '../errors.js';

/**
 * A signer of the platform's kind (a fresh key, an issuer on a closed loopback port) and a
 * verifier that trusts exactly it: tokens for tests of who may call what.
 */
export async function localAuth(
  audience = 'lm-api',
): Promise<{ issuer: LocalTokenIssuer; verifier: JwksTokenVerifier }> {
  const issuer = await LocalTokenIssuer.create({ issuer: 'http://127.0.0.1:1/auth', audience });
  const verifier = new JwksTokenVerifier({
    issuer: issuer.issuer,
    audience,
    jwks: issuer.jwks(),
  });
  return { issuer, verifier };
}

/** How a call ended: 'ok', the AppError code it was refused with, or 'unexpected: …'. */
export function errorCode(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : `unexpected: ${String(error)}`),
  );
}
