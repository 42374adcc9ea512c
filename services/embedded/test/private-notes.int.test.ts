// Private notes (issue 6): a student uploads their own notes to a course; they are indexed like
// any material but seen — listed, read, found, cited by the tutor — by that student alone: not by
// another student of the same course, not by the course's lecturer. Against the real things:
// 1. the embedded platform (gateway REST, the `lm materials` command, the tutor, PGlite, pgvector,
//    the real embedder);
// 2. the library's gRPC MaterialService with the gateway bypassed (a valid service token plus
//    each user's own token), as the distributed mode reaches it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, runMaterials } from '@lm/cli';
import { Db } from '@lm/db';
import {
  API_AUDIENCE,
  AccessPolicy,
  DEV_COURSE,
  DEV_USERS,
  createIdentity,
  seedDevData,
} from '@lm/identity';
import {
  GrpcServer,
  LocalServiceTokenSource,
  USER_TOKEN_METADATA,
  callUnary,
  createLogger,
  withCallerIdentity,
} from '@lm/kit';
import {
  MATERIAL_SERVICE_END_USER,
  TranscriptOwners,
  TranscriptStore,
  materialGrpcService,
} from '@lm/library';
import { MaterialServiceClient, MaterialServiceService } from '@lm/proto/library/v1/library';
import { openTestLibrary, type TestLibrary } from '@lm/library/testing';
import { errorCode, localAuth } from '@lm/kit/testing';
import { startTestPlatform } from './support/platform.js';

const [LECTURER, STUDENT1, STUDENT2] = [DEV_USERS[0], DEV_USERS[1], DEV_USERS[2]];
const COURSE = DEV_COURSE.id;

// A fact found nowhere else: a made-up word (keyword retrieval) in a plain sentence (vectors).
const NOTE = `# My Golgi notes

## The post office

Our study group calls the Golgi apparatus the Quillborne post office: it sorts proteins from the
endoplasmic reticulum, packs them into vesicles and ships them to where the cell needs them.
`;
const QUESTION = 'Why is the Golgi apparatus called the Quillborne post office?';

const COURSE_MATERIAL = `# Cell Biology

## Mitochondria

Mitochondria produce ATP, the energy currency of the cell, through cellular respiration.
`;

interface Done {
  text: string;
  citations?: { kind: string; sourceId?: string; title?: string }[];
}

describe('private notes through the embedded gateway, the lm command and the tutor', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  const clients = new Map<string, GatewayClient>();
  const workDir = mkdtempSync(join(tmpdir(), 'lm-notes-'));
  let noteId = '';
  let courseMaterialId = '';

  beforeAll(async () => {
    platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
    for (const who of [LECTURER, STUDENT1, STUDENT2]) {
      const client = new GatewayClient(platform.url);
      await client.login(who.email, who.password);
      clients.set(who.email, client);
    }
    // The dev seed has student2 outside Biology 101: enrol them, so "another student" is a
    // classmate, not an outsider.
    const joined = await call(
      STUDENT2,
      'POST',
      '/api/courses/join',
      JSON.stringify({ inviteCode: DEV_COURSE.inviteCode }),
    );
    expect(joined.status).toBe(200);
    const material = await call(
      LECTURER,
      'POST',
      `/api/courses/${COURSE}/materials?filename=cells.md`,
      COURSE_MATERIAL,
      'text/markdown',
    );
    expect(material.status).toBe(201);
    courseMaterialId = ((await material.json()) as { id: string }).id;
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  function client(who: { email: string }): GatewayClient {
    const found = clients.get(who.email);
    if (!found) throw new Error(`${who.email} is not signed in`);
    return found;
  }

  function call(
    who: { email: string },
    method: string,
    path: string,
    body?: string | Buffer | FormData,
    contentType = 'application/json',
  ): Promise<Response> {
    return fetch(new URL(path, platform.url), {
      method,
      headers: {
        authorization: `Bearer ${client(who).token ?? ''}`,
        ...(body !== undefined && !(body instanceof FormData)
          ? { 'content-type': contentType }
          : {}),
      },
      ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? new Uint8Array(body) : body }),
    });
  }

  async function ask(who: { email: string }, text: string): Promise<Done> {
    const response = await call(
      who,
      'POST',
      '/api/tutor/chat',
      JSON.stringify({ courseId: COURSE, text }),
    );
    expect(response.status).toBe(200);
    const chunks = (await response.text())
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { done?: Done });
    const done = chunks.find((c) => c.done)?.done;
    expect(done).toBeDefined();
    return done!;
  }

  async function listed(who: { email: string }): Promise<{ id: string; visibility: string }[]> {
    const response = await call(who, 'GET', `/api/courses/${COURSE}/materials`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { materials: { id: string; visibility: string }[] })
      .materials;
  }

  async function searched(who: { email: string }, q: string): Promise<string[]> {
    const response = await call(who, 'GET', `/api/search?q=${encodeURIComponent(q)}&limit=20`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { hits: { materialId: string }[] }).hits.map(
      (h) => h.materialId,
    );
  }

  it('a student uploading a course material is refused with a message that says what to do', async () => {
    const refused = await call(
      STUDENT1,
      'POST',
      `/api/courses/${COURSE}/materials?filename=notes.md`,
      NOTE,
      'text/markdown',
    );
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('permission_denied');
    expect(body.error.message).toMatch(/private/);
    const badFlag = await call(
      STUDENT1,
      'POST',
      `/api/courses/${COURSE}/materials?filename=notes.md&visibility=secret`,
      NOTE,
      'text/markdown',
    );
    expect(badFlag.status).toBe(400);
    // Same limits and errors as course materials.
    const empty = await call(
      STUDENT1,
      'POST',
      `/api/courses/${COURSE}/materials?filename=empty.md&visibility=private`,
      Buffer.alloc(0),
      'text/markdown',
    );
    expect(empty.status).toBe(400);
    const badPdf = await call(
      STUDENT1,
      'POST',
      `/api/courses/${COURSE}/materials?filename=broken.pdf&visibility=private`,
      Buffer.from('%PDF-1.4\nnot really a pdf\n%%EOF'),
      'application/pdf',
    );
    expect([400, 415, 422]).toContain(badPdf.status);
    expect((await listed(STUDENT1)).map((m) => m.id)).toEqual([courseMaterialId]);
  });

  it('`lm materials upload` as a student (no flag) stores private notes; a multipart form does too', async () => {
    const file = join(workDir, 'golgi.md');
    writeFileSync(file, NOTE);
    let printed = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed += chunk.toString();
        done();
      },
    });
    await runMaterials(
      client(STUDENT1),
      { subcommand: 'upload', target: file, courseId: COURSE },
      out,
    );
    expect(printed).toMatch(/private notes/);
    const mine = await listed(STUDENT1);
    const note = mine.find((m) => m.id !== courseMaterialId);
    expect(note).toMatchObject({ visibility: 'private' });
    noteId = note!.id;
    expect(printed).toContain(noteId);

    // The multipart path takes the same ?visibility=.
    const form = new FormData();
    form.append(
      'file',
      new Blob(['Extra: the Golgi apparatus also adds sugars to proteins.']),
      'extra.txt',
    );
    const multipart = await call(
      STUDENT1,
      'POST',
      `/api/courses/${COURSE}/materials?visibility=private`,
      form,
    );
    expect(multipart.status).toBe(201);
    const extra = (await multipart.json()) as { id: string; visibility: string; ownerId: string };
    expect(extra).toMatchObject({ visibility: 'private', ownerId: STUDENT1.id });
    // `lm materials rm <id>` without --course finds the note in the student's courses.
    await runMaterials(client(STUDENT1), { subcommand: 'rm', target: extra.id }, out);
    expect((await listed(STUDENT1)).map((m) => m.id).sort()).toEqual(
      [courseMaterialId, noteId].sort(),
    );
  });

  it('the owner lists, reads and finds the note, and the tutor answers from it with a citation', async () => {
    const read = await call(STUDENT1, 'GET', `/api/courses/${COURSE}/materials/${noteId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: noteId, visibility: 'private' });
    expect(await searched(STUDENT1, 'Quillborne')).toContain(noteId);
    // The course material is still there for the student.
    expect(await searched(STUDENT1, 'What do mitochondria produce?')).toContain(courseMaterialId);

    const done = await ask(STUDENT1, QUESTION);
    console.log(`student1's answer: "${done.text}"`);
    expect(done.citations?.map((c) => c.sourceId)).toContain(noteId);
    expect(done.text).toMatch(/Quillborne|post office|vesicles/i);
  });

  for (const [name, who] of [
    ['another student of the course', STUDENT2],
    ["the course's lecturer", LECTURER],
  ] as const) {
    it(`${name} does not see the note: list, read, search, tutor, delete`, async () => {
      const materials = await listed(who);
      expect(materials.map((m) => m.id)).toContain(courseMaterialId);
      expect(materials.map((m) => m.id)).not.toContain(noteId);
      expect((await call(who, 'GET', `/api/courses/${COURSE}/materials/${noteId}`)).status).toBe(
        404,
      );
      expect(await searched(who, 'Quillborne')).not.toContain(noteId);
      expect(await searched(who, QUESTION)).not.toContain(noteId);
      const done = await ask(who, QUESTION);
      expect(done.citations?.map((c) => c.sourceId) ?? []).not.toContain(noteId);
      expect(done.text).not.toMatch(/Quillborne/);
      expect((await call(who, 'DELETE', `/api/courses/${COURSE}/materials/${noteId}`)).status).toBe(
        404,
      );
    });
  }

  it('a student may not delete a course material; the owner deletes the note and it is gone', async () => {
    expect(
      (await call(STUDENT1, 'DELETE', `/api/courses/${COURSE}/materials/${courseMaterialId}`))
        .status,
    ).toBe(403);
    const deleted = await call(STUDENT1, 'DELETE', `/api/courses/${COURSE}/materials/${noteId}`);
    expect(deleted.status).toBe(204);
    expect((await listed(STUDENT1)).map((m) => m.id)).toEqual([courseMaterialId]);
    expect(await searched(STUDENT1, 'Quillborne')).not.toContain(noteId);
    const done = await ask(STUDENT1, QUESTION);
    expect(done.citations?.map((c) => c.sourceId) ?? []).not.toContain(noteId);
  });
});

describe("the library's gRPC MaterialService with the gateway bypassed", () => {
  const logger = createLogger({ service: 'notes-test', level: 'warn' });
  let db: Db;
  let libraryFixture: TestLibrary;
  let server: GrpcServer;
  let grpc: MaterialServiceClient;
  let serviceToken = '';
  const tokens = new Map<string, string>();
  let noteId = '';
  let courseMaterialId = '';

  beforeAll(async () => {
    db = await Db.open({});
    await db.migrate();
    const { issuer, verifier } = await localAuth(API_AUDIENCE);
    const identity = createIdentity({ db, logger, mode: 'local', issuer });
    await seedDevData(identity);
    for (const user of [LECTURER, STUDENT1, STUDENT2]) {
      tokens.set(
        user.id,
        await issuer.issueAccessToken({
          userId: user.id,
          username: user.email,
          roles: [...user.roles],
        }),
      );
    }
    serviceToken = await new LocalServiceTokenSource(issuer, 'lm-gateway').token();
    // Student2 becomes a classmate of student1 (the lecturer adds them).
    await identity.courses.addMember(
      await verifier.verify(tokens.get(LECTURER.id)!),
      COURSE,
      STUDENT2.id,
      'student',
    );

    libraryFixture = await openTestLibrary({ db, logger });
    const { library } = libraryFixture;
    server = new GrpcServer(logger);
    server.addService(
      'lm.library.v1.MaterialService',
      MaterialServiceService,
      withCallerIdentity(
        MaterialServiceService,
        materialGrpcService({
          library,
          transcripts: new TranscriptStore(db.kysely),
          owners: new TranscriptOwners(db.kysely),
          access: new AccessPolicy(db),
          logger,
        }),
        { verifier, logger, endUser: MATERIAL_SERVICE_END_USER },
      ),
    );
    const port = await server.listen('127.0.0.1', 0);
    grpc = new MaterialServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  }, 180_000);

  afterAll(async () => {
    grpc?.close();
    await server?.close();
    await libraryFixture?.close();
    await db?.close();
  });

  /** The platform's service token acting for `user`. */
  function as(user: { id: string }): Metadata {
    const m = new Metadata();
    m.set('authorization', `Bearer ${serviceToken}`);
    m.set(USER_TOKEN_METADATA, tokens.get(user.id) ?? '');
    return m;
  }

  const upload = (user: { id: string }, visibility: string, text: string, filename: string) =>
    callUnary(
      grpc.uploadMaterial.bind(grpc),
      {
        courseId: COURSE,
        filename,
        mediaType: 'text/markdown',
        title: '',
        data: Buffer.from(text),
        visibility,
      },
      { metadata: as(user) },
    );
  const search = (user: { id: string }, query: string) =>
    callUnary(grpc.search.bind(grpc), { query, courseIds: [], limit: 20 }, { metadata: as(user) });
  const list = (user: { id: string }) =>
    callUnary(grpc.listMaterials.bind(grpc), { courseId: COURSE }, { metadata: as(user) });

  it('uploads: a student course material is refused, private notes are accepted', async () => {
    expect(await errorCode(upload(STUDENT1, '', NOTE, 'golgi.md'))).toBe('permission_denied');
    expect(await errorCode(upload(STUDENT1, 'course', NOTE, 'golgi.md'))).toBe('permission_denied');
    expect(await errorCode(upload(STUDENT1, 'shared', NOTE, 'golgi.md'))).toBe('invalid_argument');
    const note = await upload(STUDENT1, 'private', NOTE, 'golgi.md');
    expect(note).toMatchObject({ visibility: 'private', ownerId: STUDENT1.id, courseId: COURSE });
    noteId = note.id;
    const material = await upload(LECTURER, '', COURSE_MATERIAL, 'cells.md');
    expect(material.visibility).toBe('course');
    courseMaterialId = material.id;
  });

  it('the owner lists, reads and finds the note', async () => {
    const listed = await list(STUDENT1);
    expect(listed.materials.map((m) => m.id).sort()).toEqual([courseMaterialId, noteId].sort());
    const read = await callUnary(
      grpc.getMaterial.bind(grpc),
      { courseId: COURSE, materialId: noteId },
      { metadata: as(STUDENT1) },
    );
    expect(read.visibility).toBe('private');
    const found = await search(STUDENT1, QUESTION);
    expect(found.hits[0]).toMatchObject({ materialId: noteId, visibility: 'private' });
  });

  for (const [name, who] of [
    ['a classmate', STUDENT2],
    ['the lecturer', LECTURER],
  ] as const) {
    it(`${name} cannot list, read, find or delete it`, async () => {
      expect((await list(who)).materials.map((m) => m.id)).toEqual([courseMaterialId]);
      expect(
        await errorCode(
          callUnary(
            grpc.getMaterial.bind(grpc),
            { courseId: COURSE, materialId: noteId },
            { metadata: as(who) },
          ),
        ),
      ).toBe('not_found');
      for (const query of [QUESTION, 'Quillborne'])
        expect((await search(who, query)).hits.map((h) => h.materialId)).not.toContain(noteId);
      expect(
        await errorCode(
          callUnary(grpc.deleteMaterial.bind(grpc), { materialId: noteId }, { metadata: as(who) }),
        ),
      ).toBe('not_found');
    });
  }

  it('the owner deletes it; a student cannot delete a course material', async () => {
    expect(
      await errorCode(
        callUnary(
          grpc.deleteMaterial.bind(grpc),
          { materialId: courseMaterialId },
          { metadata: as(STUDENT1) },
        ),
      ),
    ).toBe('permission_denied');
    await callUnary(
      grpc.deleteMaterial.bind(grpc),
      { materialId: noteId },
      { metadata: as(STUDENT1) },
    );
    expect((await list(STUDENT1)).materials.map((m) => m.id)).toEqual([courseMaterialId]);
    expect((await search(STUDENT1, 'Quillborne')).hits.map((h) => h.materialId)).not.toContain(
      noteId,
    );
  });
});
