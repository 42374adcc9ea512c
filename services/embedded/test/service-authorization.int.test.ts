// Authorization in the distributed mode, against the REAL service processes (their mains, as the
// Dockerfiles run them), PostgreSQL and the gateway's local issuer:
// - every service's gRPC refuses a call without a token, with a person's token in place of a
//   service's, and with a service token from another issuer;
// - the gateway reaches library, tutor and speech over gRPC with its service token plus the
//   user's own token;
// - a student asking a service DIRECTLY (gateway bypassed, valid service token) for another
//   course's transcript or material, or another student's conversation, is refused by the
//   service itself;
// - the library searches for a user named by id (for_user_id) only for the tutor's service
//   identity, scoped exactly as for that user; anyone else naming a user is refused.
// Needs DATABASE_URL (scripts/infra/postgres.sh); fails, not skips, without it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '@lm/db';
import { API_AUDIENCE, createIdentity } from '@lm/identity';
import {
  AppError,
  LocalServiceTokenSource,
  LocalTokenIssuer,
  USER_TOKEN_METADATA,
  callUnary,
  createLogger,
} from '@lm/kit';
import { TranscriptStore } from '@lm/library';
import { MaterialServiceClient } from '@lm/proto/library/v1/library';
import { SpeechServiceClient } from '@lm/proto/speech/v1/speech';
import {
  ExportFormat,
  SegmentKind,
  TranscriptServiceClient,
} from '@lm/proto/transcript/v1/transcript';
import { TutorServiceClient, type ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { errorCode, freePort, ServiceProcess } from '@lm/kit/testing';

const database = process.env.DATABASE_URL;

const running: ServiceProcess[] = [];
const dataDirs: string[] = [];

/** Starts services/<name>/src/main.ts and waits for its readiness on `readyPort`. */
async function startMain(
  name: string,
  env: Record<string, string>,
  readyPort: number,
): Promise<ServiceProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `lm-authz-${name}-`));
  dataDirs.push(dataDir);
  const service = ServiceProcess.spawn({
    name,
    entry: `services/${name}/src/main.ts`,
    env: {
      ...process.env,
      KAFKA_BROKERS: '',
      DATABASE_URL: database,
      LOG_LEVEL: 'warn',
      LM_DATA_DIR: dataDir,
      KEYCLOAK_URL: '',
      ...env,
    },
  });
  running.push(service);
  await service.ready(`http://127.0.0.1:${readyPort}/readyz`, 150_000);
  return service;
}

/** A service's main with its gRPC address. */
async function startService(name: string, issuer: string): Promise<{ grpc: string }> {
  const [ops, grpc] = [await freePort(), await freePort()];
  await startMain(
    name,
    {
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(ops),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpc),
      LM_AUTH_ISSUER: issuer,
    },
    ops,
  );
  return { grpc: `127.0.0.1:${grpc}` };
}

function metadata(serviceToken?: string, userToken?: string): Metadata {
  const m = new Metadata();
  if (serviceToken) m.set('authorization', `Bearer ${serviceToken}`);
  if (userToken) m.set(USER_TOKEN_METADATA, userToken);
  return m;
}

/** Reads a server stream to its end; rejects with the AppError of its status. */
function drain<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', (error: { code?: number; details?: string }) =>
      reject(AppError.fromGrpc(error.code ?? 2, error.details ?? 'stream failed', undefined)),
    );
    stream.on('end', () => resolve(items));
  });
}

const run = Date.now().toString(36);
let gatewayUrl = '';
let library: { grpc: string };
let tutor: { grpc: string };
let speech: { grpc: string };
let serviceToken = '';
let foreignServiceToken = '';
/** Service tokens of the platform's key for other clients than the gateway. */
let tutorServiceToken = '';
let speechServiceToken = '';
let db: Db;
const tokens: Record<'lecturer' | 'student1' | 'student2', string> = {
  lecturer: '',
  student1: '',
  student2: '',
};
let courseA = '';
let courseB = '';
let lectureA = '';

async function api<T>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gatewayUrl}${path}`, {
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
    // NDJSON or plain text stays a string.
  }
  return { status: response.status, body: parsed as T };
}

beforeAll(async () => {
  expect(
    database,
    'DATABASE_URL is unset: start PostgreSQL with scripts/infra/postgres.sh',
  ).toBeTruthy();
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const issuerUrl = `${gatewayUrl}/auth`;
  [library, tutor, speech] = await Promise.all([
    startService('library', issuerUrl),
    startService('tutor', issuerUrl),
    startService('speech', issuerUrl),
  ]);
  const gatewayData = mkdtempSync(join(tmpdir(), 'lm-authz-gateway-'));
  dataDirs.push(gatewayData);
  await startMain(
    'gateway',
    {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      LM_DATA_DIR: gatewayData,
      LIBRARY_GRPC_ADDRESS: library.grpc,
      TUTOR_GRPC_ADDRESS: tutor.grpc,
      SPEECH_GRPC_ADDRESS: speech.grpc,
    },
    gatewayPort,
  );

  // A service of the platform holds the gateway's signing key (here: read from its key file);
  // a foreign one signs with its own key under the very same issuer name and audience.
  const keyFile = join(gatewayData, 'keys', 'token-signing.json');
  const gatewaySigner = await LocalTokenIssuer.create({
    issuer: issuerUrl,
    audience: API_AUDIENCE,
    keyFile,
  });
  serviceToken = await new LocalServiceTokenSource(gatewaySigner, 'lm-gateway').token();
  tutorServiceToken = await new LocalServiceTokenSource(gatewaySigner, 'lm-tutor').token();
  speechServiceToken = await new LocalServiceTokenSource(gatewaySigner, 'lm-speech').token();
  const foreign = await LocalTokenIssuer.create({ issuer: issuerUrl, audience: API_AUDIENCE });
  foreignServiceToken = await new LocalServiceTokenSource(foreign, 'lm-gateway').token();

  // People and courses: a lecturer (role set in the database), course A with student1, course B
  // with student2; a lecture of course A with a stored transcript.
  db = await Db.open({ databaseUrl: database });
  const identity = createIdentity({
    db,
    logger: createLogger({ service: 'authz-test', level: 'warn' }),
    mode: 'local',
    issuer: gatewaySigner,
  });
  const password = 'authz-test-password-1';
  await identity.accounts.createUser({
    email: `lecturer-${run}@example.test`,
    password,
    roles: ['lecturer'],
  });
  for (const who of ['student1', 'student2'] as const) {
    const registered = await fetch(`${gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${who}-${run}@example.test`, password }),
    });
    expect(registered.status).toBe(201);
    tokens[who] = (
      (await registered.json()) as { tokens: { accessToken: string } }
    ).tokens.accessToken;
  }
  const login = await fetch(`${gatewayUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `lecturer-${run}@example.test`, password }),
  });
  expect(login.status).toBe(200);
  tokens.lecturer = ((await login.json()) as { accessToken: string }).accessToken;

  const a = await api<{ id: string; inviteCode: string }>('POST', '/api/courses', tokens.lecturer, {
    title: `Course A ${run}`,
  });
  const b = await api<{ id: string; inviteCode: string }>('POST', '/api/courses', tokens.lecturer, {
    title: `Course B ${run}`,
  });
  expect([a.status, b.status]).toEqual([201, 201]);
  courseA = a.body.id;
  courseB = b.body.id;
  expect(
    (await api('POST', '/api/courses/join', tokens.student1, { inviteCode: a.body.inviteCode }))
      .status,
  ).toBe(200);
  expect(
    (await api('POST', '/api/courses/join', tokens.student2, { inviteCode: b.body.inviteCode }))
      .status,
  ).toBe(200);
  const lecture = await api<{ id: string }>('POST', '/api/sessions', tokens.lecturer, {
    title: 'Cells',
    courseId: courseA,
  });
  expect(lecture.status).toBe(201);
  lectureA = lecture.body.id;
  await new TranscriptStore(db.kysely).saveFinals([
    {
      sessionId: lectureA,
      streamId: 's',
      segmentIndex: 0,
      revision: 1,
      kind: SegmentKind.SEGMENT_KIND_FINAL,
      text: 'Mitochondria make the energy of the cell.',
      words: [],
      startMs: 0,
      endMs: 2000,
      language: 'en',
      emittedAtMs: Date.now(),
      audioCapturedAtMs: Date.now(),
      endOfTurn: false,
      streamEnded: false,
    },
  ]);
}, 300_000);

afterAll(async () => {
  for (const service of running.splice(0)) await service.kill();
  await db?.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('gRPC caller identity on every service (real service processes)', () => {
  const cases = [
    {
      service: 'library (transcripts)',
      call: (m: Metadata) => {
        const client = new TranscriptServiceClient(library.grpc, credentials.createInsecure());
        return callUnary(
          client.getTranscript.bind(client),
          { sessionId: lectureA },
          { metadata: m },
        );
      },
    },
    {
      service: 'library (materials)',
      call: (m: Metadata) => {
        const client = new MaterialServiceClient(library.grpc, credentials.createInsecure());
        return callUnary(client.listMaterials.bind(client), { courseId: courseA }, { metadata: m });
      },
    },
    {
      service: 'tutor',
      call: (m: Metadata) => {
        const client = new TutorServiceClient(tutor.grpc, credentials.createInsecure());
        return callUnary(client.listConversations.bind(client), { courseId: '' }, { metadata: m });
      },
    },
    {
      service: 'speech',
      call: (m: Metadata) => {
        const client = new SpeechServiceClient(speech.grpc, credentials.createInsecure());
        return callUnary(client.listVoices.bind(client), {}, { metadata: m });
      },
    },
  ];

  for (const { service, call } of cases) {
    it(`${service}: no token is UNAUTHENTICATED`, async () => {
      expect(await errorCode(call(new Metadata()))).toBe('unauthenticated');
    });

    it(`${service}: a person's token in place of a service token is PERMISSION_DENIED`, async () => {
      expect(await errorCode(call(metadata(tokens.student1, tokens.student1)))).toBe(
        'permission_denied',
      );
    });

    it(`${service}: a service token of another issuer is UNAUTHENTICATED`, async () => {
      expect(await errorCode(call(metadata(foreignServiceToken, tokens.student1)))).toBe(
        'unauthenticated',
      );
    });

    it(`${service}: the platform's service token acting for a member is served`, async () => {
      expect(await errorCode(call(metadata(serviceToken, tokens.student1)))).toBe('ok');
    });
  }

  it('a service token in the user-token slot is refused (a service is nobody in particular)', async () => {
    const client = new TutorServiceClient(tutor.grpc, credentials.createInsecure());
    const code = await errorCode(
      callUnary(
        client.listConversations.bind(client),
        { courseId: '' },
        {
          metadata: metadata(serviceToken, serviceToken),
        },
      ),
    );
    expect(code).toBe('permission_denied');
  });

  it('course data needs the user: a service token alone is UNAUTHENTICATED', async () => {
    const client = new TranscriptServiceClient(library.grpc, credentials.createInsecure());
    expect(
      await errorCode(
        callUnary(
          client.getTranscript.bind(client),
          { sessionId: lectureA },
          {
            metadata: metadata(serviceToken),
          },
        ),
      ),
    ).toBe('unauthenticated');
  });
});

describe('the distributed gateway reaches library, tutor and speech over gRPC', () => {
  let materialId = '';
  let conversationId = '';

  it('a lecturer uploads a material through the gateway; members list it, others are refused', async () => {
    const upload = await api<{ id: string; ownerId: string }>(
      'POST',
      `/api/courses/${courseA}/materials?filename=cells.md`,
      tokens.lecturer,
      Buffer.from('# Cells\n\n## Mitochondria\n\nMitochondria are the powerhouse of the cell.\n'),
      { 'content-type': 'text/markdown' },
    );
    expect(upload.status).toBe(201);
    materialId = upload.body.id;
    const listed = await api<{ materials: { id: string }[] }>(
      'GET',
      `/api/courses/${courseA}/materials`,
      tokens.student1,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.materials.map((m) => m.id)).toContain(materialId);
    const search = await api<{ hits: { materialId: string }[] }>(
      'GET',
      `/api/search?q=${encodeURIComponent('powerhouse of the cell')}`,
      tokens.student1,
    );
    expect(search.status).toBe(200);
    expect(search.body.hits.map((h) => h.materialId)).toContain(materialId);
    expect((await api('GET', `/api/courses/${courseA}/materials`, tokens.student2)).status).toBe(
      403,
    );
  });

  it("a student's private notes travel through the remote library: the owner's alone", async () => {
    const refused = await api<{ error: { message: string } }>(
      'POST',
      `/api/courses/${courseA}/materials?filename=golgi.md`,
      tokens.student1,
      Buffer.from('# Golgi\n\nThe Quillborne post office ships proteins in vesicles.\n'),
      { 'content-type': 'text/markdown' },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/private/);
    const note = await api<{ id: string; visibility: string; ownerId: string }>(
      'POST',
      `/api/courses/${courseA}/materials?filename=golgi.md&visibility=private`,
      tokens.student1,
      Buffer.from('# Golgi\n\nThe Quillborne post office ships proteins in vesicles.\n'),
      { 'content-type': 'text/markdown' },
    );
    expect(note.status).toBe(201);
    expect(note.body.visibility).toBe('private');
    const ids = async (token: string) =>
      (
        await api<{ materials: { id: string }[] }>(
          'GET',
          `/api/courses/${courseA}/materials`,
          token,
        )
      ).body.materials.map((m) => m.id);
    const hits = async (token: string) =>
      (
        await api<{ hits: { materialId: string }[] }>(
          'GET',
          `/api/search?q=${encodeURIComponent('Quillborne post office')}&limit=20`,
          token,
        )
      ).body.hits.map((h) => h.materialId);
    expect(await ids(tokens.student1)).toContain(note.body.id);
    expect(await hits(tokens.student1)).toContain(note.body.id);
    expect(await ids(tokens.lecturer)).not.toContain(note.body.id);
    expect(await hits(tokens.lecturer)).not.toContain(note.body.id);
    expect(
      (await api('GET', `/api/courses/${courseA}/materials/${note.body.id}`, tokens.lecturer))
        .status,
    ).toBe(404);
    expect(
      (await api('DELETE', `/api/courses/${courseA}/materials/${note.body.id}`, tokens.lecturer))
        .status,
    ).toBe(404);
    expect(
      (await api('DELETE', `/api/courses/${courseA}/materials/${note.body.id}`, tokens.student1))
        .status,
    ).toBe(204);
    expect(await ids(tokens.student1)).not.toContain(note.body.id);
  });

  it('a student starts a conversation and chats with the tutor through the gateway', async () => {
    const created = await api<{ id: string; userId: string; courseId: string }>(
      'POST',
      '/api/conversations',
      tokens.student1,
      { courseId: courseA, title: 'Energy' },
    );
    expect(created.status).toBe(201);
    expect(created.body.courseId).toBe(courseA);
    conversationId = created.body.id;
    const chat = await api<string>(
      'POST',
      `/api/conversations/${conversationId}/messages`,
      tokens.student1,
      { text: 'What do mitochondria do?' },
    );
    expect(chat.status).toBe(200);
    const chunks = chat.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { done?: unknown; cancelled?: unknown });
    expect(chunks.at(-1)?.done).toBeDefined();
    const read = await api<{ messages: { role: string }[] }>(
      'GET',
      `/api/conversations/${conversationId}`,
      tokens.student1,
    );
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    // Through the gateway, another student does not see it.
    expect((await api('GET', `/api/conversations/${conversationId}`, tokens.student2)).status).toBe(
      404,
    );
  });

  it('voices come from the speech service through the gateway', async () => {
    const voices = await api<{ voices: { id: string }[] }>(
      'GET',
      '/api/speech/voices',
      tokens.student2,
    );
    expect(voices.status).toBe(200);
    expect(voices.body.voices.length).toBeGreaterThan(0);
  });

  describe('with the gateway bypassed (valid service token + another student’s own token)', () => {
    const asStudent2 = () => metadata(serviceToken, tokens.student2);

    it('transcript of another course’s lecture: refused by the library', async () => {
      const client = new TranscriptServiceClient(library.grpc, credentials.createInsecure());
      expect(
        await errorCode(
          callUnary(
            client.getTranscript.bind(client),
            { sessionId: lectureA },
            {
              metadata: asStudent2(),
            },
          ),
        ),
      ).toBe('permission_denied');
      expect(
        await errorCode(
          callUnary(
            client.exportTranscript.bind(client),
            { sessionId: lectureA, format: ExportFormat.EXPORT_FORMAT_TXT },
            { metadata: asStudent2() },
          ),
        ),
      ).toBe('permission_denied');
      // A member reads it.
      const transcript = await callUnary(
        client.getTranscript.bind(client),
        { sessionId: lectureA },
        { metadata: metadata(serviceToken, tokens.student1) },
      );
      expect(transcript.segments.map((s) => s.text)).toEqual([
        'Mitochondria make the energy of the cell.',
      ]);
      client.close();
    });

    it('materials of another course: list, read, search, upload and delete refused by the library', async () => {
      const client = new MaterialServiceClient(library.grpc, credentials.createInsecure());
      const m = asStudent2;
      expect(
        await errorCode(
          callUnary(client.listMaterials.bind(client), { courseId: courseA }, { metadata: m() }),
        ),
      ).toBe('permission_denied');
      expect(
        await errorCode(
          callUnary(
            client.getMaterial.bind(client),
            { courseId: courseA, materialId },
            {
              metadata: m(),
            },
          ),
        ),
      ).toBe('permission_denied');
      expect(
        await errorCode(
          callUnary(
            client.search.bind(client),
            { query: 'powerhouse of the cell', courseIds: [courseA], limit: 5 },
            { metadata: m() },
          ),
        ),
      ).toBe('permission_denied');
      // Without naming a course, the search only looks at the student's own courses.
      const own = await callUnary(
        client.search.bind(client),
        { query: 'powerhouse of the cell', courseIds: [], limit: 5 },
        { metadata: m() },
      );
      expect(own.hits.map((h) => h.courseId)).not.toContain(courseA);
      expect(
        await errorCode(
          callUnary(
            client.uploadMaterial.bind(client),
            {
              courseId: courseA,
              filename: 'x.txt',
              mediaType: 'text/plain',
              title: '',
              data: Buffer.from('planted text'),
              visibility: 'private',
            },
            { metadata: m() },
          ),
        ),
      ).toBe('permission_denied');
      expect(
        await errorCode(
          callUnary(client.deleteMaterial.bind(client), { materialId }, { metadata: m() }),
        ),
      ).toBe('not_found');
      // A member who is not a lecturer may read but not delete.
      expect(
        await errorCode(
          callUnary(
            client.deleteMaterial.bind(client),
            { materialId },
            {
              metadata: metadata(serviceToken, tokens.student1),
            },
          ),
        ),
      ).toBe('permission_denied');
      client.close();
    });

    it('another student’s conversation: refused by the tutor', async () => {
      const client = new TutorServiceClient(tutor.grpc, credentials.createInsecure());
      expect(
        await errorCode(
          callUnary(
            client.listMessages.bind(client),
            { conversationId },
            { metadata: asStudent2() },
          ),
        ),
      ).toBe('not_found');
      const listed = await callUnary(
        client.listConversations.bind(client),
        { courseId: '' },
        { metadata: asStudent2() },
      );
      expect(listed.conversations.map((c) => c.id)).not.toContain(conversationId);
      expect(
        await errorCode(
          callUnary(
            client.createConversation.bind(client),
            { courseId: courseA, title: 'sneaking in' },
            { metadata: asStudent2() },
          ),
        ),
      ).toBe('permission_denied');
      expect(
        await errorCode(
          drain<ReplyChunk>(
            client.chat({ conversationId, courseId: courseA, text: 'hello?' }, asStudent2()),
          ),
        ),
      ).toBe('permission_denied');
      // The owner still reads it directly.
      const own = await callUnary(
        client.listMessages.bind(client),
        { conversationId },
        { metadata: metadata(serviceToken, tokens.student1) },
      );
      expect(own.messages.length).toBe(2);
      client.close();
    });
  });
});

describe('the library searches for a user named by id (for_user_id) for the tutor only', () => {
  /** The user id (`sub`) of an access token. */
  const userIdOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string })
      .sub;
  const term = `Brindlewick${run}`;
  const ids = { materialA: '', materialB: '', noteOfStudent1: '', noteOfStudent2: '' };
  let client: MaterialServiceClient;
  const search = (m: Metadata, request: { forUserId?: string; courseIds?: string[] } = {}) =>
    callUnary(
      client.search.bind(client),
      { query: `${term} lanterns`, courseIds: request.courseIds ?? [], limit: 20, ...request },
      { metadata: m },
    );

  beforeAll(async () => {
    client = new MaterialServiceClient(library.grpc, credentials.createInsecure());
    const upload = async (token: string, courseId: string, name: string, visibility?: string) => {
      const response = await api<{ id: string }>(
        'POST',
        `/api/courses/${courseId}/materials?filename=${name}.md${visibility ? `&visibility=${visibility}` : ''}`,
        token,
        Buffer.from(`# ${name}\n\nThe ${term} lanterns of ${name} glow at dusk.\n`),
        { 'content-type': 'text/markdown' },
      );
      expect(response.status, name).toBe(201);
      return response.body.id;
    };
    ids.materialA = await upload(tokens.lecturer, courseA, 'course-a');
    ids.materialB = await upload(tokens.lecturer, courseB, 'course-b');
    ids.noteOfStudent1 = await upload(tokens.student1, courseA, 'notes-one', 'private');
    ids.noteOfStudent2 = await upload(tokens.student2, courseB, 'notes-two', 'private');
  });
  afterAll(() => client?.close());

  it("the tutor's token + for_user_id: exactly that user's courses and own notes", async () => {
    const forStudent1 = await search(metadata(tutorServiceToken), {
      forUserId: userIdOf(tokens.student1),
    });
    const found1 = forStudent1.hits.map((h) => h.materialId);
    expect(found1).toEqual(expect.arrayContaining([ids.materialA, ids.noteOfStudent1]));
    expect(found1).not.toContain(ids.materialB);
    expect(found1).not.toContain(ids.noteOfStudent2);
    expect(new Set(forStudent1.hits.map((h) => h.courseId))).toEqual(new Set([courseA]));
    expect(forStudent1.hits.find((h) => h.materialId === ids.noteOfStudent1)?.visibility).toBe(
      'private',
    );
    expect(forStudent1.hits.find((h) => h.materialId === ids.materialA)?.visibility).toBe('course');

    const found2 = (
      await search(metadata(tutorServiceToken), { forUserId: userIdOf(tokens.student2) })
    ).hits.map((h) => h.materialId);
    expect(found2).toEqual(expect.arrayContaining([ids.materialB, ids.noteOfStudent2]));
    expect(found2).not.toContain(ids.materialA);
    expect(found2).not.toContain(ids.noteOfStudent1);

    // The lecturer of both courses: both courses' materials, nobody's notes.
    const forLecturer = (
      await search(metadata(tutorServiceToken), { forUserId: userIdOf(tokens.lecturer) })
    ).hits.map((h) => h.materialId);
    expect(forLecturer).toEqual(expect.arrayContaining([ids.materialA, ids.materialB]));
    expect(forLecturer).not.toContain(ids.noteOfStudent1);
    expect(forLecturer).not.toContain(ids.noteOfStudent2);

    // A course the user is not in is refused, as for the user themself.
    expect(
      await errorCode(
        search(metadata(tutorServiceToken), {
          forUserId: userIdOf(tokens.student1),
          courseIds: [courseB],
        }),
      ),
    ).toBe('permission_denied');
    // A user who is in no course finds nothing.
    expect(
      (await search(metadata(tutorServiceToken), { forUserId: 'nobody-in-any-course' })).hits,
    ).toEqual([]);
  });

  it('another service naming a user is PERMISSION_DENIED (speech, and the gateway too)', async () => {
    const forUserId = userIdOf(tokens.student1);
    expect(await errorCode(search(metadata(speechServiceToken), { forUserId }))).toBe(
      'permission_denied',
    );
    expect(await errorCode(search(metadata(serviceToken), { forUserId }))).toBe(
      'permission_denied',
    );
  });

  it("a person's token in the authorization slot is refused, with or without for_user_id", async () => {
    const forUserId = userIdOf(tokens.student1);
    expect(await errorCode(search(metadata(tokens.student1), { forUserId }))).toBe(
      'permission_denied',
    );
    expect(await errorCode(search(metadata(tokens.student2), { forUserId }))).toBe(
      'permission_denied',
    );
  });

  it("a user token with another user's id is refused; with the same id it is that user's search", async () => {
    expect(
      await errorCode(
        search(metadata(tutorServiceToken, tokens.student2), {
          forUserId: userIdOf(tokens.student1),
        }),
      ),
    ).toBe('permission_denied');
    expect(
      await errorCode(
        search(metadata(serviceToken, tokens.student2), { forUserId: userIdOf(tokens.student1) }),
      ),
    ).toBe('permission_denied');
    const same = await search(metadata(serviceToken, tokens.student2), {
      forUserId: userIdOf(tokens.student2),
    });
    expect(same.hits.map((h) => h.materialId)).toContain(ids.noteOfStudent2);
  });

  it('no user token and no for_user_id is UNAUTHENTICATED, even for the tutor', async () => {
    expect(await errorCode(search(metadata(tutorServiceToken)))).toBe('unauthenticated');
    expect(await errorCode(search(metadata(tutorServiceToken), { forUserId: '../x' }))).toBe(
      'invalid_argument',
    );
  });
});
