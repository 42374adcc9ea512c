// Key rotation without a restart: the verifier fetches the JWKS over HTTP (a real server on
// loopback), and a token signed by a key it has not seen makes it fetch again — within limits.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, JwksTokenVerifier, LocalTokenIssuer } from '../src/index.js';

const issuer = 'http://127.0.0.1:1/realms/rotation';
const audience = 'lm-api';
const user = { userId: 'u-7', username: 'rita', roles: ['lecturer' as const] };

let served: JSONWebKeySet = { keys: [] };
let fetches = 0;
let server: Server;
let jwksUrl: URL;

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('JwksTokenVerifier with a remote JWKS', () => {
  it('picks up a rotated key without a restart, and drops a removed one', async () => {
    const oldKey = await LocalTokenIssuer.create({ issuer, audience });
    const newKey = await LocalTokenIssuer.create({ issuer, audience });
    served = oldKey.jwks();
    fetches = 0;
    const verifier = new JwksTokenVerifier({ issuer, audience, jwks: jwksUrl, jwksCooldownMs: 50 });

    const before = await verifier.verify(await oldKey.issueAccessToken(user));
    expect(before.username).toBe('rita');
    expect(fetches).toBe(1);
    // Cached: a second token with the same key costs no fetch.
    await verifier.verify(await oldKey.issueAccessToken(user));
    expect(fetches).toBe(1);

    // The identity provider rotates: the new key signs, the old one is gone from the set.
    served = newKey.jwks();
    await new Promise((resolve) => setTimeout(resolve, 80));
    const after = await verifier.verify(await newKey.issueAccessToken(user));
    expect(after.roles).toEqual(['lecturer']);
    expect(fetches).toBe(2);

    await new Promise((resolve) => setTimeout(resolve, 80));
    const stale = await verifier
      .verify(await oldKey.issueAccessToken(user))
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(AppError);
    expect((stale as AppError).code).toBe('unauthenticated');
  });

  it('does not refetch for every token with an unknown kid while the cooldown lasts', async () => {
    const known = await LocalTokenIssuer.create({ issuer, audience });
    served = known.jwks();
    fetches = 0;
    const verifier = new JwksTokenVerifier({
      issuer,
      audience,
      jwks: jwksUrl,
      jwksCooldownMs: 60_000,
    });
    await verifier.verify(await known.issueAccessToken(user));
    expect(fetches).toBe(1);
    const forger = await LocalTokenIssuer.create({ issuer, audience });
    for (let i = 0; i < 5; i++) {
      await expect(verifier.verify(await forger.issueAccessToken(user))).rejects.toThrow(AppError);
    }
    expect(fetches).toBe(1);
  });

  it('fails as unauthenticated when the JWKS cannot be fetched', async () => {
    const verifier = new JwksTokenVerifier({
      issuer,
      audience,
      jwks: new URL('http://127.0.0.1:9/certs'),
    });
    const local = await LocalTokenIssuer.create({ issuer, audience });
    const error = await verifier
      .verify(await local.issueAccessToken(user))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unauthenticated');
  });
});
