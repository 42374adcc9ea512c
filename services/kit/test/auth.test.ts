import { SignJWT, generateKeyPair, exportJWK, base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError, JwksTokenVerifier, LocalTokenIssuer } from '../src/index.js';

const issuer = 'http://127.0.0.1:8080/auth';
const audience = 'lm-api';
let local: LocalTokenIssuer;
let verifier: JwksTokenVerifier;

beforeAll(async () => {
  local = await LocalTokenIssuer.create({ issuer, audience });
  verifier = new JwksTokenVerifier({ issuer, audience, jwks: local.jwks() });
});

const user = {
  userId: 'u-1',
  username: 'ada',
  email: 'ada@example.test',
  roles: ['student' as const],
};

async function refused(token: string): Promise<string> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('unauthenticated');
  return (error as AppError).message;
}

describe('JwksTokenVerifier with the local issuer', () => {
  it('accepts a fresh token and maps Keycloak-shaped claims', async () => {
    const principal = await verifier.verify(await local.issueAccessToken(user));
    expect(principal).toMatchObject({
      userId: 'u-1',
      username: 'ada',
      email: 'ada@example.test',
      roles: ['student'],
      kind: 'user',
    });
  });

  it('refuses expired, wrong-issuer, wrong-audience and not-yet-valid tokens', async () => {
    expect(await refused(await local.issueAccessToken(user, -120))).toMatch(/expired/);
    const otherIssuer = await LocalTokenIssuer.create({ issuer: 'http://evil.test', audience });
    const foreign = new JwksTokenVerifier({
      issuer,
      audience,
      jwks: { keys: [...local.jwks().keys, ...otherIssuer.jwks().keys] },
    });
    await expect(foreign.verify(await otherIssuer.issueAccessToken(user))).rejects.toThrow(/iss/);
    const otherAudience = await LocalTokenIssuer.create({ issuer, audience: 'another-api' });
    const both = new JwksTokenVerifier({
      issuer,
      audience,
      jwks: { keys: [...local.jwks().keys, ...otherAudience.jwks().keys] },
    });
    await expect(both.verify(await otherAudience.issueAccessToken(user))).rejects.toThrow(/aud/);
  });

  it('refuses alg none, a tampered payload and a key it does not know', async () => {
    const good = await local.issueAccessToken(user);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const noneHeader = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    expect(await refused(`${noneHeader}.${payload}.`)).toBeTruthy();
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as {
      realm_access: { roles: string[] };
    };
    claims.realm_access.roles = ['admin'];
    const tampered = `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
    expect(await refused(tampered)).toMatch(/signature/);
    const stranger = await LocalTokenIssuer.create({ issuer, audience });
    expect(await refused(await stranger.issueAccessToken(user))).toMatch(/unknown key|signature/);
    expect(await refused('not.a-token')).toMatch(/Malformed/);
  });

  it('refuses a token whose nbf is in the future and an HS256 token made with the public key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k2', alg: 'RS256' };
    const v = new JwksTokenVerifier({ issuer, audience, jwks: { keys: [jwk] } });
    const future = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k2' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('u')
      .setIssuedAt()
      .setNotBefore('1h')
      .setExpirationTime('2h')
      .sign(privateKey);
    await expect(v.verify(future)).rejects.toThrow(/nbf/);
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k2' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await expect(v.verify(hs)).rejects.toThrow(AppError);
  });
});
