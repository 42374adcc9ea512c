// Tokens issued by the REAL Keycloak (scripts/infra/keycloak.sh) verified from its JWKS by the
// same JwksTokenVerifier the services use. Needs KEYCLOAK_URL (http://127.0.0.1:18080) and
// KEYCLOAK_REALM (little-monster); it fails, not skips, when they are unset or unreachable.
// Clients, users and the audience are read from the realm file, so renaming one there is enough.
import { readFileSync } from 'node:fs';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, JwksTokenVerifier, LocalTokenIssuer, type Principal } from '../src/index.js';

interface RealmClient {
  clientId: string;
  secret?: string;
  publicClient?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
}
interface RealmUser {
  username: string;
  email?: string;
  realmRoles?: string[];
  credentials?: { type: string; value: string }[];
}
interface RealmFile {
  realm: string;
  clients: RealmClient[];
  users: RealmUser[];
}

const realmFile = JSON.parse(
  readFileSync(
    new URL('../../../deploy/keycloak/little-monster-realm.json', import.meta.url),
    'utf8',
  ),
) as RealmFile;
const keycloakUrl = process.env.KEYCLOAK_URL?.replace(/\/$/, '');
const realmName = process.env.KEYCLOAK_REALM ?? '';
const issuer = `${keycloakUrl}/realms/${realmName}`;
const tokenEndpoint = `${issuer}/protocol/openid-connect/token`;

const passwordClient = realmFile.clients.find((c) => c.directAccessGrantsEnabled === true);
const serviceClient = realmFile.clients.find((c) => c.serviceAccountsEnabled === true && c.secret);
const audience = realmFile.clients
  .flatMap((c) => c.protocolMappers ?? [])
  .find((m) => m.protocolMapper === 'oidc-audience-mapper')?.config['included.custom.audience'];

function userWithRole(role: string): { username: string; password: string; email?: string } {
  const user = realmFile.users.find((u) => u.realmRoles?.includes(role));
  const password = user?.credentials?.find((c) => c.type === 'password')?.value;
  if (!user || !password) throw new Error(`the realm file has no ${role} with a password`);
  return { username: user.username, password, ...(user.email ? { email: user.email } : {}) };
}

async function token(form: Record<string, string>): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`token endpoint said ${response.status}: ${body.error_description ?? '?'}`);
  }
  return body.access_token;
}

async function passwordToken(role: string): Promise<string> {
  const user = userWithRole(role);
  return token({
    grant_type: 'password',
    client_id: passwordClient?.clientId ?? '',
    ...(passwordClient?.secret ? { client_secret: passwordClient.secret } : {}),
    username: user.username,
    password: user.password,
    scope: 'openid',
  });
}

async function refusal(verifier: JwksTokenVerifier, jwt: string): Promise<AppError> {
  const error = await verifier.verify(jwt).then(
    (p: Principal) => new Error(`accepted as ${p.username}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('unauthenticated');
  return error as AppError;
}

/** Swaps claims in the payload and keeps the original signature. */
function tamper(jwt: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<
    string,
    unknown
  >;
  change(claims);
  return `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

let verifier: JwksTokenVerifier;
let jwksUri: URL;

describe('access tokens from the real Keycloak', () => {
  beforeAll(async () => {
    expect(
      keycloakUrl,
      'KEYCLOAK_URL is unset: start Keycloak with scripts/infra/keycloak.sh start && scripts/infra/keycloak.sh wait, then export KEYCLOAK_URL=http://127.0.0.1:18080',
    ).toBeTruthy();
    expect(realmName, 'KEYCLOAK_REALM is unset (little-monster)').toBe(realmFile.realm);
    expect(passwordClient, 'the realm file has no client with direct access grants').toBeDefined();
    expect(serviceClient, 'the realm file has no service client with a secret').toBeDefined();
    expect(audience, 'the realm file has no audience mapper').toBeTruthy();
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`).catch(
      (error: unknown) => {
        throw new Error(`Keycloak is not reachable at ${keycloakUrl}: ${String(error)}`);
      },
    );
    expect(discovery.ok, `OIDC discovery of ${issuer} answered ${discovery.status}`).toBe(true);
    const config = (await discovery.json()) as { issuer: string; jwks_uri: string };
    expect(config.issuer).toBe(issuer);
    jwksUri = new URL(config.jwks_uri);
    verifier = new JwksTokenVerifier({ issuer, audience: audience ?? '', jwks: jwksUri });
  });

  it('verifies a user token from the password grant and maps its claims', async () => {
    const lecturer = userWithRole('lecturer');
    const principal = await verifier.verify(await passwordToken('lecturer'));
    expect(principal.kind).toBe('user');
    expect(principal.username).toBe(lecturer.username);
    expect(principal.email).toBe(lecturer.email);
    expect(principal.userId).toMatch(/^[0-9a-f-]{36}$/);
    // Keycloak adds default-roles-*, offline_access...: only the platform's roles survive.
    expect(principal.roles).toEqual(['lecturer']);
    const student = await verifier.verify(await passwordToken('student'));
    expect(student.roles).toEqual(['student']);
    expect(student.userId).not.toBe(principal.userId);
  });

  it('verifies a service token from the client credentials grant as a service', async () => {
    const principal = await verifier.verify(
      await token({
        grant_type: 'client_credentials',
        client_id: serviceClient?.clientId ?? '',
        client_secret: serviceClient?.secret ?? '',
      }),
    );
    expect(principal.kind).toBe('service');
    expect(principal.roles).toEqual([]);
  });

  it('refuses a tampered token, a wrong audience, a wrong issuer and a foreign key', async () => {
    const good = await passwordToken('student');
    const escalated = tamper(good, (c) => {
      c.realm_access = { roles: ['admin'] };
    });
    expect((await refusal(verifier, escalated)).message).toMatch(/signature/i);
    const extended = tamper(good, (c) => {
      c.exp = Math.floor(Date.now() / 1000) + 86_400;
    });
    await refusal(verifier, extended);

    const otherAudience = new JwksTokenVerifier({ issuer, audience: 'not-lm-api', jwks: jwksUri });
    expect((await refusal(otherAudience, good)).message).toMatch(/aud/);
    const otherIssuer = new JwksTokenVerifier({
      issuer: `${keycloakUrl}/realms/master`,
      audience: audience ?? '',
      jwks: jwksUri,
    });
    expect((await refusal(otherIssuer, good)).message).toMatch(/iss/);

    // Same issuer, audience and claims, signed by a key Keycloak never published.
    const forger = await LocalTokenIssuer.create({ issuer, audience: audience ?? '' });
    const forged = await forger.issueAccessToken({
      userId: 'someone',
      username: 'admin',
      roles: ['admin'],
    });
    await refusal(verifier, forged);
  });

  it('refuses an expired token of the same shape (local issuer, local JWKS)', async () => {
    const local = await LocalTokenIssuer.create({ issuer, audience: audience ?? '' });
    const localVerifier = new JwksTokenVerifier({
      issuer,
      audience: audience ?? '',
      jwks: local.jwks(),
    });
    const user = { userId: 'u', username: 'u', roles: ['student' as const] };
    await expect(localVerifier.verify(await local.issueAccessToken(user))).resolves.toBeTruthy();
    // 60 s past expiry: beyond the verifier's clock tolerance.
    expect((await refusal(localVerifier, await local.issueAccessToken(user, -60))).message).toMatch(
      /expired/,
    );
  });
});

describe('key rotation on the real Keycloak', () => {
  const admin = {
    username: process.env.LM_KEYCLOAK_ADMIN ?? 'admin',
    password: process.env.LM_KEYCLOAK_ADMIN_PASSWORD ?? 'admin-dev-password',
  };
  let adminToken = '';
  let componentUrl: string | undefined;

  async function adminApi(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${keycloakUrl}/admin/realms/${realmName}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  }

  afterAll(async () => {
    // Remove the added key so the realm is as imported for whatever runs next.
    if (componentUrl)
      await fetch(componentUrl, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminToken}` },
      });
  });

  it('verifies tokens signed by a newly added key with the same verifier instance', async () => {
    const response = await fetch(`${keycloakUrl}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...admin }),
    });
    expect(response.ok, 'bootstrap admin login (LM_KEYCLOAK_ADMIN_PASSWORD)').toBe(true);
    adminToken = ((await response.json()) as { access_token: string }).access_token;

    // A long-lived verifier, as in a running service; cooldown short so the test need not wait 30 s.
    const rotating = new JwksTokenVerifier({
      issuer,
      audience: audience ?? '',
      jwks: jwksUri,
      jwksCooldownMs: 500,
    });
    const beforeToken = await passwordToken('student');
    const beforeKid = (
      JSON.parse(new TextDecoder().decode(base64url.decode(beforeToken.split('.')[0] ?? ''))) as {
        kid: string;
      }
    ).kid;
    await rotating.verify(beforeToken);

    const realm = (await (await adminApi('')).json()) as { id: string };
    const created = await adminApi('/components', {
      method: 'POST',
      body: JSON.stringify({
        name: `lm-test-rotation-${Date.now()}`,
        providerId: 'rsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: realm.id,
        // Higher priority than the imported key: Keycloak signs new tokens with this one.
        config: {
          priority: ['1000'],
          keySize: ['2048'],
          active: ['true'],
          enabled: ['true'],
          algorithm: ['RS256'],
        },
      }),
    });
    expect(created.status).toBe(201);
    componentUrl = created.headers.get('location') ?? undefined;

    await new Promise((resolve) => setTimeout(resolve, 600));
    const afterToken = await passwordToken('student');
    const afterKid = (
      JSON.parse(new TextDecoder().decode(base64url.decode(afterToken.split('.')[0] ?? ''))) as {
        kid: string;
      }
    ).kid;
    expect(afterKid).not.toBe(beforeKid);
    const principal = await rotating.verify(afterToken);
    expect(principal.roles).toEqual(['student']);
  });
});
