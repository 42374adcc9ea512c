import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { USER_TOKEN_METADATA, callUnary, createLogger } from '@lm/kit';
import {
  SegmentKind,
  TranscriptSegment,
  TranscriptServiceClient,
} from '@lm/proto/transcript/v1/transcript';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { createBus, transcriptsTopic, tutorRepliesTopic, type Bus } from '@lm/streams';
import { ServiceProcess, freePort } from '@lm/kit/testing';

// Each service's entry point (the one its Dockerfile runs) starts against real Kafka and
// PostgreSQL, becomes ready, and stops cleanly on SIGTERM.
const kafka = process.env.KAFKA_BROKERS;
const database = process.env.DATABASE_URL;

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

/** A confidential client's secret in the realm file (DEV-ONLY values). */
function clientSecret(clientId: string): string {
  return realm.clients.find((c) => c.clientId === clientId)?.secret ?? '';
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

const running: ServiceProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const service of running.splice(0)) await service.kill();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startService(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<{ service: ServiceProcess; opsPort: number; grpcPort: number }> {
  const [opsPort, grpcPort] = [await freePort(), await freePort()];
  const service = ServiceProcess.spawn({
    name,
    entry: `services/${name}/src/main.ts`,
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
  });
  running.push(service);
  await service.ready(`http://127.0.0.1:${opsPort}/readyz`);
  return { service, opsPort, grpcPort };
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
    const { service: library, grpcPort } = await startService('library');
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
    expect(await library.stop()).toBe(0);
  });

  it('gateway: ready with Keycloak identity, refuses a request without a token, stops on SIGTERM', async () => {
    const keycloak = process.env.KEYCLOAK_URL;
    expect(
      keycloak,
      'KEYCLOAK_URL is unset: start Keycloak with scripts/infra/keycloak.sh',
    ).toBeTruthy();
    const { service, opsPort } = await startService('gateway', {
      KEYCLOAK_URL: keycloak ?? '',
      LM_DATA_DIR: `/tmp/lm-gateway-main-${process.pid}`,
    });
    const status = (await (await fetch(`http://127.0.0.1:${opsPort}/api/status`)).json()) as {
      mode: string;
    };
    expect(status.mode).toBe('distributed');
    const refused = await fetch(`http://127.0.0.1:${opsPort}/api/courses`);
    expect(refused.status).toBe(401);
    expect(await service.stop()).toBe(0);
  });

  for (const name of ['transcriber', 'jobs', 'speech', 'tutor']) {
    it(`${name}: ready, stops on SIGTERM`, async () => {
      const { service } = await startService(name);
      expect(await service.stop()).toBe(0);
    });
  }
});

describe('the tutor retrieves through the library service (real processes, Kafka, PostgreSQL, Keycloak)', () => {
  /** What the gateway answers, parsed when it is JSON. */
  async function api<T>(
    base: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && !Buffer.isBuffer(body)
          ? { 'content-type': 'application/json' }
          : {}),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // NDJSON stays a string.
    }
    return { status: response.status, body: parsed as T };
  }

  it('a material uploaded through the gateway is cited by the tutor, in text chat and in a voice turn', async () => {
    const keycloak = process.env.KEYCLOAK_URL;
    expect(
      keycloak,
      'KEYCLOAK_URL is unset: start Keycloak with scripts/infra/keycloak.sh',
    ).toBeTruthy();
    // One topic prefix for every process (and this test's own producer): voice turns travel the bus.
    const prefix = `mains-rag-${Date.now().toString(36)}.`;
    const dataDir = mkdtempSync(join(tmpdir(), 'lm-mains-rag-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    for (const name of ['library', 'tutor', 'gateway'])
      mkdirSync(join(dataDir, name), { recursive: true });
    const common = { KEYCLOAK_URL: keycloak ?? '', LM_TOPIC_PREFIX: prefix };
    const library = await startService('library', {
      ...common,
      LM_DATA_DIR: join(dataDir, 'library'),
    });
    const tutor = await startService('tutor', {
      ...common,
      LM_DATA_DIR: join(dataDir, 'tutor'),
      LIBRARY_GRPC_ADDRESS: `127.0.0.1:${library.grpcPort}`,
      LM_CLIENT_SECRET_TUTOR: clientSecret('lm-tutor'),
      // The library answers within this on a busy test machine too.
      TUTOR_RETRIEVAL_TIMEOUT_MS: '20000',
    });
    const gateway = await startService('gateway', {
      ...common,
      LM_DATA_DIR: join(dataDir, 'gateway'),
      LIBRARY_GRPC_ADDRESS: `127.0.0.1:${library.grpcPort}`,
      TUTOR_GRPC_ADDRESS: `127.0.0.1:${tutor.grpcPort}`,
      LM_CLIENT_SECRET_GATEWAY: clientSecret('lm-gateway'),
    });
    const base = `http://127.0.0.1:${gateway.opsPort}`;
    const lecturer = await keycloakUserToken('lecturer');
    const student = await keycloakUserToken('student');

    const course = await api<{ id: string; inviteCode: string }>(
      base,
      'POST',
      '/api/courses',
      lecturer,
      { title: `Organelles ${prefix}` },
    );
    expect(course.status).toBe(201);
    expect(
      (
        await api(base, 'POST', '/api/courses/join', student, {
          inviteCode: course.body.inviteCode,
        })
      ).status,
    ).toBe(200);
    // A made-up organelle, and questions that share no word with the material: only search by
    // meaning finds it. (The tutor's own library of before shared the database's chunk rows, so
    // keyword search worked there; its vectors were empty — these questions found nothing.)
    const upload = await api<{ id: string }>(
      base,
      'POST',
      `/api/courses/${course.body.id}/materials?filename=quillosome.md`,
      lecturer,
      Buffer.from(
        '# Cell parts\n\n## Quillosome\n\nThe quillosome stores copper ions for the cell wall. ' +
          'Quillosomes split in two when the cell is starving.\n',
      ),
      { 'content-type': 'text/markdown' },
    );
    expect(upload.status).toBe(201);
    const materialId = upload.body.id;

    // Text chat: gateway → tutor (gRPC, the student's token) → library (gRPC, the tutor's token).
    const conversation = await api<{ id: string }>(base, 'POST', '/api/conversations', student, {
      courseId: course.body.id,
    });
    expect(conversation.status).toBe(201);
    const chat = await api<string>(
      base,
      'POST',
      `/api/conversations/${conversation.body.id}/messages`,
      student,
      { text: 'Which organelle keeps metal?' },
    );
    expect(chat.status).toBe(200);
    const chunks = chat.body
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            done?: { text: string; citations?: { sourceId: string }[] };
            cancelled?: { reason: string };
          },
      );
    const done = chunks.at(-1)?.done;
    expect(done, JSON.stringify(chunks.at(-1))).toBeDefined();
    expect(done?.citations?.map((c) => c.sourceId) ?? []).toContain(materialId);
    expect(done?.text).toMatch(/copper/);

    // A voice turn: the tutor reads the student's final from Kafka, with no user token anywhere.
    const session = await api<{ sessionId: string; conversationId: string }>(
      base,
      'POST',
      '/api/tutor/sessions',
      student,
      { courseId: course.body.id },
    );
    expect(session.status).toBe(201);
    const bus: Bus = createBus({
      env: { KAFKA_BROKERS: kafka ?? '', LM_TOPIC_PREFIX: prefix },
      logger: createLogger({ service: 'mains-rag-test', level: 'warn' }),
    });
    cleanups.push(() => bus.close());
    const replies: ReplyChunk[] = [];
    await bus.tail(tutorRepliesTopic, (chunk) => void replies.push(chunk));
    const now = Date.now();
    await bus.publish(
      transcriptsTopic,
      TranscriptSegment.fromPartial({
        sessionId: session.body.sessionId,
        streamId: 'mic',
        segmentIndex: 0,
        revision: 0,
        kind: SegmentKind.SEGMENT_KIND_FINAL,
        text: 'What happens during hunger?',
        startMs: 0,
        endMs: 1500,
        language: 'en',
        emittedAtMs: now,
        audioCapturedAtMs: now,
        endOfTurn: true,
      }),
    );
    const deadline = Date.now() + 60_000;
    let voiceDone: ReplyChunk | undefined;
    while (!voiceDone && Date.now() < deadline) {
      voiceDone = replies.find(
        (r) =>
          r.conversationId === session.body.conversationId &&
          (r.body?.$case === 'done' || r.body?.$case === 'cancelled'),
      );
      if (!voiceDone) await new Promise((r) => setTimeout(r, 200));
    }
    expect(voiceDone?.body?.$case, tutor.service.tail(2000)).toBe('done');
    const voiceBody = voiceDone?.body?.$case === 'done' ? voiceDone.body.value : undefined;
    expect(voiceBody?.citations.map((c) => c.sourceId)).toContain(materialId);
    expect(voiceBody?.text).toMatch(/starving/);

    expect(await gateway.service.stop()).toBe(0);
    expect(await tutor.service.stop()).toBe(0);
    expect(await library.service.stop()).toBe(0);
  });
});
