import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '@lm/db';
import { RecordingJobs, RecordingStorage } from '@lm/jobs';
import { createLogger } from '@lm/kit';
import { TranscriptStore } from '@lm/library';
import type { Job } from '@lm/proto/jobs/v1/jobs';
import { JobState } from '@lm/proto/jobs/v1/jobs';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { MemoryBus, jobsTopic, silentLogger } from '@lm/streams';
import { registerRecordingRoutes } from '../src/recordings/recordingRoutes.js';
import { parseRange } from '../src/recordings/parseRange.js';
import { IdentityFixture, type DevUserName } from './support/IdentityFixture.js';

const LIMIT = 64 * 1024;

describe('recording routes', () => {
  let fixture: IdentityFixture;
  let dir: string;
  const bus = new MemoryBus({ logger: silentLogger });
  const published: Job[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lm-recordings-routes-'));
    await bus.ensureTopics([jobsTopic]);
    await bus.tail(jobsTopic, (job) => {
      published.push(job);
    });
    const db = await Db.open({});
    fixture = await IdentityFixture.start({
      db,
      extraRoutes: (app, { identity, authenticator }) => {
        const transcripts = new TranscriptStore(db.kysely);
        registerRecordingRoutes(app, {
          recordings: new RecordingJobs({
            db,
            bus,
            storage: new RecordingStorage(dir),
            logger: createLogger({ service: 'test', level: 'silent' }),
            maxUploadBytes: LIMIT,
          }),
          transcripts,
          access: identity.policy,
          authenticate: (request) => authenticator.authenticate(request),
        });
      },
    });
  });

  afterAll(async () => {
    await fixture.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(
    caller: DevUserName | 'anonymous',
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options: {
      body?: Buffer | Readable;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    if (caller !== 'anonymous') headers.authorization = `Bearer ${await fixture.token(caller)}`;
    if (options.contentType) headers['content-type'] = options.contentType;
    return fixture.gateway.app.inject({
      method,
      url,
      headers,
      ...(options.body ? { payload: options.body } : {}),
    });
  }

  const audio = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));

  async function upload(caller: DevUserName, query = 'title=Lecture%201') {
    const response = await call(caller, 'POST', `/api/recordings?${query}`, {
      body: audio,
      contentType: 'audio/wav',
    });
    expect(response.statusCode, response.body).toBe(202);
    return response.json<{
      recordingId: string;
      job: { id: string; state: string; progress: number };
    }>();
  }

  it('stores an upload, queues its job and publishes the request', async () => {
    const answer = await upload('lecturer', `title=Week%201&courseId=${fixture.devCourse.id}`);
    expect(answer.job).toMatchObject({ state: 'queued', progress: 0 });
    expect(readFileSync(join(dir, `${answer.recordingId}.audio`)).equals(audio)).toBe(true);
    await expect.poll(() => published.map((j) => j.jobId)).toContain(answer.job.id);
    const request = published.find((j) => j.jobId === answer.job.id);
    expect(request?.state).toBe(JobState.JOB_STATE_QUEUED);
    expect(request?.subjectId).toBe(answer.recordingId);

    const view = await call('lecturer', 'GET', `/api/recordings/${answer.recordingId}`);
    expect(view.json()).toMatchObject({
      id: answer.recordingId,
      title: 'Week 1',
      courseId: fixture.devCourse.id,
      sizeBytes: audio.length,
      contentType: 'audio/wav',
      job: { id: answer.job.id, state: 'queued' },
    });
  });

  it('refuses what is not audio with 415 and a message naming the accepted types', async () => {
    for (const contentType of [
      'application/json',
      'text/plain',
      'image/png',
      'application/octet-stream',
    ]) {
      const body = contentType === 'application/json' ? Buffer.from('{"a":1}') : audio;
      const response = await call('lecturer', 'POST', '/api/recordings', { body, contentType });
      expect(response.statusCode, contentType).toBe(415);
      const error = response.json<{ error: { code: string; message: string } }>().error;
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toContain('audio/*');
    }
    // Over the JSON/text body limit (1 MiB) but not audio: still 415, not 413.
    const text = await call('lecturer', 'POST', '/api/recordings', {
      body: Buffer.alloc(2 * 1024 * 1024, 97),
      contentType: 'text/plain',
    });
    expect(text.statusCode).toBe(415);
    const webm = await call('lecturer', 'POST', '/api/recordings', {
      body: audio,
      contentType: 'video/webm',
    });
    expect(webm.statusCode).toBe(202);
  });

  it('refuses an upload over the limit with 413, declared or streamed, leaving no file behind', async () => {
    const files = () => readdirCount(dir);
    const before = files();
    const big = Buffer.alloc(LIMIT + 1, 1);
    const declared = await call('lecturer', 'POST', '/api/recordings', {
      body: big,
      contentType: 'audio/mpeg',
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('limit') as unknown,
    });
    // Chunked, without a length: the limit is found while the bytes are written.
    const streamed = await call('lecturer', 'POST', '/api/recordings', {
      body: Readable.from([big.subarray(0, LIMIT / 2), big.subarray(LIMIT / 2)]),
      contentType: 'audio/mpeg',
    });
    expect(streamed.statusCode).toBe(413);
    expect(files()).toBe(before);
  });

  it('refuses an empty upload with 400', async () => {
    const response = await call('lecturer', 'POST', '/api/recordings', {
      body: Buffer.alloc(0),
      contentType: 'audio/wav',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toContain('empty');
  });

  it('needs a signed-in user, and a lecturer of the course to upload into a course', async () => {
    expect(
      (
        await call('anonymous', 'POST', '/api/recordings', {
          body: audio,
          contentType: 'audio/wav',
        })
      ).statusCode,
    ).toBe(401);
    const student = await call(
      'student1',
      'POST',
      `/api/recordings?courseId=${fixture.devCourse.id}`,
      {
        body: audio,
        contentType: 'audio/wav',
      },
    );
    expect(student.statusCode).toBe(403);
    const outsider = await call(
      'student2',
      'POST',
      `/api/recordings?courseId=${fixture.devCourse.id}`,
      {
        body: audio,
        contentType: 'audio/wav',
      },
    );
    expect(outsider.statusCode).toBe(403);
    const bad = await call('lecturer', 'POST', '/api/recordings?courseId=..%2Fetc', {
      body: audio,
      contentType: 'audio/wav',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('shows a course recording to its members only, and a personal one to its uploader only', async () => {
    const course = await upload('lecturer', `courseId=${fixture.devCourse.id}`);
    const personal = await upload('student2');
    const status = async (caller: DevUserName, id: string) =>
      (await call(caller, 'GET', `/api/recordings/${id}`)).statusCode;
    expect(await status('student1', course.recordingId)).toBe(200);
    expect(await status('student2', course.recordingId)).toBe(404);
    expect(await status('student2', personal.recordingId)).toBe(200);
    expect(await status('lecturer', personal.recordingId)).toBe(404);
    expect(await status('admin', personal.recordingId)).toBe(404);

    const listed = await call(
      'student1',
      'GET',
      `/api/recordings?courseId=${fixture.devCourse.id}`,
    );
    expect(listed.json<{ recordings: { id: string }[] }>().recordings.map((r) => r.id)).toContain(
      course.recordingId,
    );
    expect(
      (await call('student2', 'GET', `/api/recordings?courseId=${fixture.devCourse.id}`))
        .statusCode,
    ).toBe(403);
    const mine = await call('student2', 'GET', '/api/recordings');
    const ids = mine.json<{ recordings: { id: string }[] }>().recordings.map((r) => r.id);
    expect(ids).toContain(personal.recordingId);
    expect(ids).not.toContain(course.recordingId);

    // Jobs: the owner only.
    expect((await call('student2', 'GET', `/api/jobs/${personal.job.id}`)).json()).toMatchObject({
      id: personal.job.id,
      state: 'queued',
      progress: 0,
      recordingId: personal.recordingId,
    });
    expect((await call('student1', 'GET', `/api/jobs/${course.job.id}`)).statusCode).toBe(404);
    expect((await call('lecturer', 'GET', '/api/jobs/job_nothing')).statusCode).toBe(404);
  });

  it('serves the audio whole and by byte range', async () => {
    const { recordingId } = await upload('lecturer');
    const whole = await call('lecturer', 'GET', `/api/recordings/${recordingId}/audio`);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(audio)).toBe(true);
    const part = await call('lecturer', 'GET', `/api/recordings/${recordingId}/audio`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${audio.length}`);
    expect(part.rawPayload.equals(audio.subarray(100, 200))).toBe(true);
    const tail = await call('lecturer', 'GET', `/api/recordings/${recordingId}/audio`, {
      headers: { range: 'bytes=-10' },
    });
    expect(tail.rawPayload.equals(audio.subarray(audio.length - 10))).toBe(true);
    const outside = await call('lecturer', 'GET', `/api/recordings/${recordingId}/audio`, {
      headers: { range: `bytes=${audio.length}-` },
    });
    expect(outside.statusCode).toBe(416);
    expect((await call('student2', 'GET', `/api/recordings/${recordingId}/audio`)).statusCode).toBe(
      404,
    );
  });

  it('gives the transcript once the job succeeded, in every format', async () => {
    const { recordingId, job } = await upload('lecturer');
    const early = await call(
      'lecturer',
      'GET',
      `/api/recordings/${recordingId}/transcript?format=txt`,
    );
    expect(early.statusCode).toBe(409);
    expect(early.json<{ error: { message: string } }>().error.message).toContain(
      'still being transcribed',
    );

    const db = fixture.db.kysely;
    const { session_id: sessionId } = await db
      .selectFrom('recordings')
      .select('session_id')
      .where('id', '=', recordingId)
      .executeTakeFirstOrThrow();
    await new TranscriptStore(db).saveFinals([
      TranscriptSegment.fromPartial({
        sessionId,
        segmentIndex: 0,
        kind: SegmentKind.SEGMENT_KIND_FINAL,
        text: 'Cells divide by mitosis.',
        startMs: 500,
        endMs: 2500,
        words: ['Cells', 'divide', 'by', 'mitosis.'].map((text, i) => ({
          text,
          startMs: 500 + i * 500,
          endMs: 900 + i * 500 + (i === 3 ? 100 : 0),
          confidence: 0.9,
        })),
      }),
    ]);
    await db
      .updateTable('jobs')
      .set({ state: 'succeeded', progress: 1 })
      .where('id', '=', job.id)
      .execute();

    const vtt = await call(
      'lecturer',
      'GET',
      `/api/recordings/${recordingId}/transcript?format=vtt`,
    );
    expect(vtt.statusCode).toBe(200);
    expect(vtt.headers['content-type']).toContain('text/vtt');
    expect(vtt.body).toContain('WEBVTT');
    expect(vtt.body).toContain('00:00:00.500 --> 00:00:02.500');
    const json = await call(
      'student1',
      'GET',
      `/api/recordings/${recordingId}/transcript?format=json`,
    );
    expect(json.statusCode).toBe(404);
    expect(vtt.body).toContain('Cells divide by mitosis.');
    const bad = await call(
      'lecturer',
      'GET',
      `/api/recordings/${recordingId}/transcript?format=doc`,
    );
    expect(bad.statusCode).toBe(400);
  });

  it('lets the uploader or a lecturer of the course delete a recording, and nobody else', async () => {
    const course = await upload('lecturer', `courseId=${fixture.devCourse.id}`);
    expect(
      (await call('student1', 'DELETE', `/api/recordings/${course.recordingId}`)).statusCode,
    ).toBe(403);
    expect(
      (await call('student2', 'DELETE', `/api/recordings/${course.recordingId}`)).statusCode,
    ).toBe(404);
    expect(
      (await call('lecturer', 'DELETE', `/api/recordings/${course.recordingId}`)).statusCode,
    ).toBe(204);
    expect(existsSync(join(dir, `${course.recordingId}.audio`))).toBe(false);
    expect(
      (await call('lecturer', 'GET', `/api/recordings/${course.recordingId}`)).statusCode,
    ).toBe(404);
    expect((await call('lecturer', 'GET', `/api/jobs/${course.job.id}`)).statusCode).toBe(404);
  });
});

describe('parseRange', () => {
  it('reads the three forms and refuses what cannot be served', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBeUndefined();
    expect(parseRange('bytes=5-1', 1000)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-9', 1000)).toBeUndefined();
    expect(parseRange('items=0-1', 1000)).toBeUndefined();
  });
});

function readdirCount(path: string): number {
  return existsSync(path) ? readdirSync(path).length : 0;
}
