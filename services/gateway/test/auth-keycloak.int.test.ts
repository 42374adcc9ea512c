// Tokens issued by a REAL Keycloak (scripts/infra/keycloak.sh, realm deploy/keycloak/little-monster-realm.json)
// verified by the platform's JwksTokenVerifier against the realm's JWKS. Needs KEYCLOAK_URL and
// KEYCLOAK_REALM (scripts/test.sh exports them); without them every test here fails.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import {
  AppError,
  ClientCredentialsTokenSource,
  createLogger,
  createMetricsRegistry,
  HealthRegistry,
  JwksTokenVerifier,
  loadConfig,
} from '@lm/kit';
import { Db } from '@lm/db';
import {
  API_AUDIENCE,
  createIdentity,
  DEV_COURSE,
  DEV_USERS,
  keycloakVerifier,
  seedDevData,
} from '@lm/identity';
import { Gateway, gatewayConfigSchema, registerIdentityRoutes } from '../src/index.js';

const keycloakUrl = process.env.KEYCLOAK_URL;
const realm = process.env.KEYCLOAK_REALM;

function realmBase(): string {
  if (!keycloakUrl || !realm)
    throw new Error(
      'KEYCLOAK_URL and KEYCLOAK_REALM must be set (bash scripts/infra/keycloak.sh start && wait; ' +
        'export KEYCLOAK_URL=http://127.0.0.1:18080 KEYCLOAK_REALM=little-monster)',
    );
  return `${keycloakUrl.replace(/\/+$/, '')}/realms/${realm}`;
}

/** The test-only password-grant client of the dev realm (docs/identity.md). */
async function passwordGrant(username: string, password: string): Promise<string> {
  const response = await fetch(`${realmBase()}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'lm-dev-password-grant',
      username,
      password,
      scope: 'openid',
    }),
  });
  expect(response.status, 'password grant at Keycloak').toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe('Keycloak tokens verified from the realm JWKS', () => {
  // Built lazily: with the variables unset each test fails on realmBase()'s message (no skips).
  let cached: JwksTokenVerifier | undefined;
  const verifierFor = (): JwksTokenVerifier => {
    realmBase();
    cached ??= keycloakVerifier({ keycloakUrl: keycloakUrl ?? '', realm: realm ?? '' });
    return cached;
  };

  it('has KEYCLOAK_URL and KEYCLOAK_REALM', () => {
    expect(keycloakUrl, 'KEYCLOAK_URL is unset').toBeTruthy();
    expect(realm, 'KEYCLOAK_REALM is unset').toBeTruthy();
  });

  it('the realm publishes discovery with the expected issuer and grants', async () => {
    const response = await fetch(`${realmBase()}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as {
      issuer: string;
      grant_types_supported: string[];
      code_challenge_methods_supported: string[];
    };
    expect(discovery.issuer).toBe(realmBase());
    expect(discovery.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]),
    );
    expect(discovery.code_challenge_methods_supported).toContain('S256');
  });

  it("a user's token verifies as that user with the realm roles", async () => {
    const lecturer = DEV_USERS[0];
    const token = await passwordGrant(lecturer.email, lecturer.password);
    expect(decodeJwt(token).aud).toEqual(expect.arrayContaining([API_AUDIENCE]));
    const principal = await verifierFor().verify(token);
    expect(principal).toMatchObject({
      kind: 'user',
      email: lecturer.email,
      userId: lecturer.id,
      clientId: 'lm-dev-password-grant',
    });
    expect(principal.roles).toEqual(['lecturer']);
    const student = await verifierFor().verify(
      await passwordGrant(DEV_USERS[1].email, DEV_USERS[1].password),
    );
    expect(student.roles).toEqual(['student']);
  });

  it('refuses a tampered token and one verified for another audience', async () => {
    const token = await passwordGrant(DEV_USERS[1].email, DEV_USERS[1].password);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      realm_access: { roles: string[] };
    };
    claims.realm_access.roles.push('admin');
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(await code(verifierFor().verify(tampered))).toBe('unauthenticated');
    const otherApi = keycloakVerifier({
      keycloakUrl: keycloakUrl ?? '',
      realm: realm ?? '',
      audience: 'some-other-api',
    });
    expect(await code(otherApi.verify(token))).toBe('unauthenticated');
  });

  it('refuses a real Keycloak token issued for another API (no lm-api audience)', async () => {
    realmBase();
    const foreign = ClientCredentialsTokenSource.forKeycloak(
      keycloakUrl ?? '',
      realm ?? '',
      'lm-dev-foreign-audience',
      'dev-only-foreign-audience-secret',
    );
    const token = await foreign.token();
    expect(decodeJwt(token).aud ?? []).not.toContain(API_AUDIENCE);
    expect(await code(verifierFor().verify(token))).toBe('unauthenticated');
  });

  it("a service client's client-credentials token maps to kind 'service'", async () => {
    realmBase();
    const source = ClientCredentialsTokenSource.forKeycloak(
      keycloakUrl ?? '',
      realm ?? '',
      'lm-tutor',
      'dev-only-lm-tutor-secret-change-me',
    );
    const token = await source.token();
    expect(await source.token(), 'cached until shortly before expiry').toBe(token);
    const principal = await verifierFor().verify(token);
    expect(principal).toMatchObject({ kind: 'service', clientId: 'lm-tutor', roles: [] });
    const wrongSecret = ClientCredentialsTokenSource.forKeycloak(
      keycloakUrl ?? '',
      realm ?? '',
      'lm-tutor',
      'wrong',
    );
    expect(await code(wrongSecret.token())).toBe('unauthenticated');
  });

  it('the CLI client offers the device authorization grant', async () => {
    const response = await fetch(`${realmBase()}/protocol/openid-connect/auth/device`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'lm-cli' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { device_code?: string; user_code?: string };
    expect(body.user_code).toBeTruthy();
  });
});

describe('the gateway in Keycloak mode (same routes, same verification path)', () => {
  let gateway: Gateway | undefined;
  let db: Db | undefined;
  let base = '';

  afterAll(async () => {
    await gateway?.close();
    await db?.close();
  });

  const start = async (): Promise<string> => {
    if (base) return base;
    const logger = createLogger({ service: 'gateway-keycloak-test', level: 'silent' });
    db = await Db.open({});
    await db.migrate();
    const identity = createIdentity({
      db,
      logger,
      mode: 'keycloak',
      verifier: keycloakVerifier({ keycloakUrl: keycloakUrl ?? '', realm: realm ?? '' }),
    });
    // Keycloak mode: rows without passwords under the realm's user ids, and Biology 101.
    await seedDevData(identity);
    gateway = new Gateway({
      config: loadConfig(gatewayConfigSchema, { GATEWAY_PORT: '0' }),
      logger,
      health: new HealthRegistry(),
      metrics: createMetricsRegistry('gateway-keycloak-test'),
      version: 'test',
      mode: 'test',
      components: [],
    });
    const g = gateway;
    g.addRoutes((app) => {
      registerIdentityRoutes(app, { identity, logger, keycloakIssuer: realmBase() });
    });
    base = `http://127.0.0.1:${await g.listen()}`;
    return base;
  };

  it('serves courses and profiles to Keycloak users by their realm ids, and no local logins', async () => {
    realmBase();
    const url = await start();
    const get = async (path: string, token: string) =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const [lecturer, student1, student2] = [DEV_USERS[0], DEV_USERS[1], DEV_USERS[2]];
    const lecturerToken = await passwordGrant(lecturer.email, lecturer.password);
    const asLecturer = await get(`/api/courses/${DEV_COURSE.id}`, lecturerToken);
    expect(asLecturer.status).toBe(200);
    expect(((await asLecturer.json()) as { inviteCode?: string }).inviteCode).toBe(
      DEV_COURSE.inviteCode,
    );
    const s1 = await get(
      `/api/courses/${DEV_COURSE.id}`,
      await passwordGrant(student1.email, student1.password),
    );
    expect(s1.status).toBe(200);
    const s2Token = await passwordGrant(student2.email, student2.password);
    expect((await get(`/api/courses/${DEV_COURSE.id}`, s2Token)).status).toBe(403);
    const me = await get('/api/me', s2Token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      id: student2.id,
      email: student2.email,
      source: 'keycloak',
      roles: ['student'],
    });
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: student2.email, password: student2.password }),
    });
    expect(login.status).toBe(409);
    expect(await login.json()).toMatchObject({
      error: { code: 'failed_precondition', details: { issuer: realmBase(), webClient: 'lm-web' } },
    });
    // A service account is not a user: no profile.
    const service = ClientCredentialsTokenSource.forKeycloak(
      keycloakUrl ?? '',
      realm ?? '',
      'lm-gateway',
      'dev-only-lm-gateway-secret-change-me',
    );
    expect((await get('/api/me', await service.token())).status).toBe(403);
  });
});
