import { describe, expect, it } from 'vitest';
import { Metadata } from '@grpc/grpc-js';
import {
  authenticateEndUser,
  LocalServiceTokenSource,
  serviceAuthFromEnv,
  serviceMetadata,
  toPrincipal,
  USER_TOKEN_METADATA,
} from '../src/index.js';
import { errorCode, localAuth } from '../src/testing/index.js';

describe('on-behalf-of metadata', () => {
  it('carries the service token and the user token; the user token verifies as a person', async () => {
    const { issuer, verifier } = await localAuth();
    const user = await issuer.issueAccessToken({
      userId: 'u1',
      username: 'a@b.test',
      roles: ['student'],
    });
    const metadata = await serviceMetadata(new LocalServiceTokenSource(issuer, 'lm-gateway'), user);
    expect(metadata.get(USER_TOKEN_METADATA)).toEqual([user]);
    expect(await authenticateEndUser(metadata, verifier)).toMatchObject({
      userId: 'u1',
      kind: 'user',
    });
  });

  it('refuses a service token in the user slot, and a doubled user token', async () => {
    const { issuer, verifier } = await localAuth();
    const service = await new LocalServiceTokenSource(issuer, 'lm-gateway').token();
    const asUser = new Metadata();
    asUser.set(USER_TOKEN_METADATA, service);
    expect(await errorCode(authenticateEndUser(asUser, verifier))).toBe('permission_denied');
    const doubled = new Metadata();
    doubled.add(USER_TOKEN_METADATA, service);
    doubled.add(USER_TOKEN_METADATA, service);
    expect(await errorCode(authenticateEndUser(doubled, verifier))).toBe('unauthenticated');
    expect(await authenticateEndUser(new Metadata(), verifier)).toBeUndefined();
  });
});

describe('service principals', () => {
  it('a person whose name starts with service-account- is still a person', () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'x', iat: now, exp: now + 60 };
    expect(
      toPrincipal({ ...base, azp: 'lm-tutor', preferred_username: 'service-account-lm-tutor' })
        .kind,
    ).toBe('service');
    expect(
      toPrincipal({ ...base, azp: 'lm-web', preferred_username: 'service-account-lm-tutor@x.test' })
        .kind,
    ).toBe('user');
    expect(
      toPrincipal({ ...base, azp: 'lm-web', preferred_username: 'service-account-lm-tutor' }).kind,
    ).toBe('user');
  });
});

describe('serviceAuthFromEnv', () => {
  it('needs an identity provider: a gRPC server never runs unauthenticated', () => {
    expect(() => serviceAuthFromEnv('tutor', {})).toThrow(/KEYCLOAK_URL/);
  });

  it('Keycloak: the realm JWKS, and client credentials of lm-<service> when its secret is set', () => {
    const auth = serviceAuthFromEnv('tutor', {
      KEYCLOAK_URL: 'http://keycloak.internal:8080',
      KEYCLOAK_PUBLIC_URL: 'https://id.example.test',
      LM_CLIENT_SECRET_TUTOR: 's3cret',
    });
    expect(auth.tokens).toBeDefined();
    expect(auth.describe).toContain('lm-tutor');
    expect(auth.describe).not.toContain('s3cret');
    expect(serviceAuthFromEnv('tutor', { KEYCLOAK_URL: 'http://k:8080' }).tokens).toBeUndefined();
  });

  it('local issuer: keys from the gateway', () => {
    const auth = serviceAuthFromEnv('library', { LM_AUTH_ISSUER: 'http://gateway:8080/auth' });
    expect(auth.describe).toContain('http://gateway:8080/api/auth/jwks.json');
    expect(auth.tokens).toBeUndefined();
  });
});
