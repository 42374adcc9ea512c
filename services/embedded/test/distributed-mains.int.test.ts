import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { USER_TOKEN_METADATA, callUnary } from '@lm/kit';
import { TranscriptServiceClient } from '@lm/proto/transcript/v1/transcript';

// Each service's entry point (the one its Dockerfile runs) starts against real Kafka and
// PostgreSQL, becomes ready, and stops cleanly on SIGTERM.
const kafka = process.env.KAFKA_BROKERS;
const database = process.env.DATABASE_URL;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface RealmFile {
  clients: { clientId: string; secret?: string; directAccessGrantsEnabled?: boolean }[];
  users: { username: string; realmRoles?: string[]; credentials?: { value: string }[] }[];
}
const realm = JSON.parse(
  readFileSync(
    new URL('../../../deploy/keycloak/little-monster-realm.json', import.meta.url),
    'utf8',
  ),
) as RealmFile;

/** An access token from the real Keycloak's token endpoint. */
async function keycloakGrant(form: Record<string, string>): Promise<string> {
  const realmName = process.env.KEYCLOAK_REALM ?? 'little-monster';
  const response = await fetch(
    `${process.env.KEYCLOAK_URL}/realms/${realmName}/protocol/openid-connect/token`,
    { method: 'POST', body: new URLSearchParams(form) },
  );
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`Keycloak gave no token (HTTP ${response.status})`);
  return body.access_token;
}

/** A confidential client's own token (client credentials), with the secret from the realm file. */
function keycloakToken(clientId: string): Promise<string> {
  const secret = realm.clients.find((c) => c.clientId === clientId)?.secret ?? '';
  return keycloakGrant({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
  });
}

/** A person's token (password grant of the dev client). */
function keycloakUserToken(role: string): Promise<string> {
  const user = realm.users.find((u) => u.realmRoles?.includes(role));
  const client = realm.clients.find((c) => c.directAccessGrantsEnabled === true);
  return keycloakGrant({
    grant_type: 'password',
    client_id: client?.clientId ?? '',
    username: user?.username ?? '',
    password: user?.credentials?.[0]?.value ?? '',
    scope: 'openid',
  });
}

function bearer(token: string, userToken?: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  if (userToken) metadata.set(USER_TOKEN_METADATA, userToken);
  return metadata;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

async function startService(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; opsPort: number; grpcPort: number; output: () => string }> {
  const [opsPort, grpcPort] = [await freePort(), await freePort()];
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    env: {
      ...process.env,
      KAFKA_BROKERS: kafka,
      DATABASE_URL: database,
      LM_TOPIC_PREFIX: `mains-${Date.now().toString(36)}.`,
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: 'warn',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(opsPort),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${output.slice(-2000)}`);
    const ready = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, opsPort, grpcPort, output: () => output };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} not ready within 90 s:\n${output.slice(-2000)}`);
}

async function stopsCleanly(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.kill('SIGTERM');
  return exited;
}

describe('service entry points in distributed mode (real Kafka and PostgreSQL)', () => {
  it('has the servers it needs', () => {
    expect(kafka, 'KAFKA_BROKERS is unset: start Kafka with scripts/infra/kafka.sh').toBeTruthy();
    expect(
      database,
      'DATABASE_URL is unset: start PostgreSQL with scripts/infra/postgres.sh',
    ).toBeTruthy();
  });

  it('library: ready, serves transcripts over gRPC to Keycloak service identities only, stops on SIGTERM', async () => {
    const { child, grpcPort } = await startService('library');
    const client = new TranscriptServiceClient(
      `127.0.0.1:${grpcPort}`,
      credentials.createInsecure(),
    );
    const get = (sessionId: string, metadata: Metadata) =>
      callUnary(client.getTranscript.bind(client), { sessionId }, { metadata });
    const service = await keycloakToken('lm-gateway');
    const student = await keycloakUserToken('student');
    const foreign = await keycloakToken('lm-dev-foreign-audience');
    await expect(get('no-such-session', new Metadata())).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(get('no-such-session', bearer(student, student))).rejects.toMatchObject({
      code: 'permission_denied',
    });
    await expect(get('no-such-session', bearer(foreign, student))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    // Course data is read for a user: the service token alone does not do.
    await expect(get('no-such-session', bearer(service))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(get('no-such-session', bearer(service, student))).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(get('../etc', bearer(service, student))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    client.close();
    expect(await stopsCleanly(child)).toBe(0);
  });

  it('gateway: ready with Keycloak identity, refuses a request without a token, stops on SIGTERM', async () => {
    const keycloak = process.env.KEYCLOAK_URL;
    expect(
      keycloak,
      'KEYCLOAK_URL is unset: start Keycloak with scripts/infra/keycloak.sh',
    ).toBeTruthy();
    const { child, opsPort } = await startService('gateway', {
      KEYCLOAK_URL: keycloak ?? '',
      LM_DATA_DIR: `/tmp/lm-gateway-main-${process.pid}`,
    });
    const status = (await (await fetch(`http://127.0.0.1:${opsPort}/api/status`)).json()) as {
      mode: string;
    };
    expect(status.mode).toBe('distributed');
    const refused = await fetch(`http://127.0.0.1:${opsPort}/api/courses`);
    expect(refused.status).toBe(401);
    expect(await stopsCleanly(child)).toBe(0);
  });

  for (const name of ['transcriber', 'jobs', 'speech', 'tutor']) {
    it(`${name}: ready, stops on SIGTERM`, async () => {
      const { child } = await startService(name);
      expect(await stopsCleanly(child)).toBe(0);
    });
  }
});
