import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '@lm/audio';
import { synthesizeSpeech } from '@lm/audio/testing';
import { type Account, DEV, startTestPlatform } from './support/platform.js';

/** The recordings limit of this platform (small, so that an oversize form is cheap to send). */
const RECORDING_LIMIT = 256 * 1024;
/** The gateway's materials limit (its default). */
const MATERIAL_LIMIT = 20 * 1024 * 1024;

const NOTES = `# Photosynthesis

## Light reactions

Chlorophyll absorbs light and splits water, releasing oxygen.
`;

let platform: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  platform = await startTestPlatform({
    LM_MEDIA_ENABLED: 'false',
    LM_RECORDING_MAX_BYTES: String(RECORDING_LIMIT),
  });
}, 180_000);
afterAll(async () => {
  await platform?.stop();
});

async function token(who: Account): Promise<string> {
  return (await platform.signIn(who)).token ?? '';
}

/** A real multipart/form-data request, encoded by undici's FormData. */
async function postForm(
  who: { email: string; password: string },
  path: string,
  parts: { field: string; value: Blob | string; filename?: string }[],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const part of parts) {
    if (typeof part.value === 'string') form.append(part.field, part.value);
    else form.append(part.field, part.value, part.filename ?? 'file');
  }
  const response = await fetch(new URL(path, platform.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(who)}` },
    body: form,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const message = (body: Record<string, unknown>) =>
  ((body.error as { message?: string } | undefined)?.message ?? '').toString();

describe('multipart/form-data uploads through the embedded gateway', () => {
  it('materials: one file field is indexed, named by its part; refusals are clear 4xx', async () => {
    const notes = new Blob([NOTES], { type: 'text/markdown' });
    const created = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      { field: 'comment', value: 'fields around the file are ignored' },
      { field: 'file', value: notes, filename: 'photosynthesis.md' },
    ]);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ filename: 'photosynthesis.md', title: 'Photosynthesis' });
    expect(created.body.chunkCount).toBeGreaterThan(0);
    const search = await fetch(
      new URL(`/api/search?q=chlorophyll&courseId=${DEV.course}`, platform.url),
      { headers: { authorization: `Bearer ${await token(DEV.student)}` } },
    );
    const { hits } = (await search.json()) as { hits: { sourceId?: string; text?: string }[] };
    expect(hits.some((h) => /Chlorophyll/.test(h.text ?? ''))).toBe(true);

    const noFile = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      { field: 'title', value: 'no file here' },
    ]);
    expect(noFile.status).toBe(400);
    expect(message(noFile.body)).toMatch(/no file/i);

    const twoFiles = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      { field: 'file', value: notes, filename: 'a.md' },
      { field: 'file', value: notes, filename: 'b.md' },
    ]);
    expect(twoFiles.status).toBe(400);
    expect(message(twoFiles.body)).toMatch(/more than one file/i);

    const empty = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      { field: 'file', value: new Blob([], { type: 'text/plain' }), filename: 'empty.txt' },
    ]);
    expect(empty.status).toBe(400);
    expect(message(empty.body)).toMatch(/empty/i);

    const image = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      {
        field: 'file',
        value: new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], { type: 'image/png' }),
        filename: 'diagram.png',
      },
    ]);
    expect(image.status).toBe(415);

    const oversize = await postForm(DEV.lecturer, `/api/courses/${DEV.course}/materials`, [
      {
        field: 'file',
        value: new Blob([Buffer.alloc(MATERIAL_LIMIT + 1, 0x61)], { type: 'text/plain' }),
        filename: 'huge.txt',
      },
    ]);
    expect(oversize.status).toBe(413);
    expect(message(oversize.body)).toMatch(/limit/i);

    const byStudent = await postForm(DEV.student, `/api/courses/${DEV.course}/materials`, [
      { field: 'file', value: notes, filename: 'mine.md' },
    ]);
    expect(byStudent.status).toBe(403);

    // The raw-body upload still works beside the form.
    const raw = await fetch(
      new URL(`/api/courses/${DEV.course}/materials?filename=raw.md`, platform.url),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await token(DEV.lecturer)}`,
          'content-type': 'text/markdown',
        },
        body: NOTES,
      },
    );
    expect(raw.status).toBe(201);
    const list = await fetch(new URL(`/api/courses/${DEV.course}/materials`, platform.url), {
      headers: { authorization: `Bearer ${await token(DEV.lecturer)}` },
    });
    const { materials } = (await list.json()) as { materials: { filename: string }[] };
    expect(materials.map((m) => m.filename).sort()).toEqual(['photosynthesis.md', 'raw.md']);
  }, 120_000);

  it('recordings: one audio file streams to disk byte for byte; refusals are clear 4xx and keep nothing', async () => {
    const speech = synthesizeSpeech('Photosynthesis makes sugar.', { speed: 160 });
    const wav = encodeWav({ sampleRate: 16_000, channels: 1, samples: speech.samples });
    expect(wav.length).toBeLessThan(RECORDING_LIMIT);
    const listRecordings = async () => {
      const response = await fetch(new URL('/api/recordings', platform.url), {
        headers: { authorization: `Bearer ${await token(DEV.student)}` },
      });
      return ((await response.json()) as { recordings: { id: string }[] }).recordings;
    };

    const created = await postForm(DEV.student, '/api/recordings', [
      { field: 'recording', value: new Blob([wav], { type: 'audio/wav' }), filename: 'plants.wav' },
    ]);
    expect(created.status).toBe(202);
    const recordingId = created.body.recordingId as string;
    expect(created.body.recording).toMatchObject({
      title: 'plants',
      contentType: 'audio/wav',
      sizeBytes: wav.length,
    });
    const audio = await fetch(new URL(`/api/recordings/${recordingId}/audio`, platform.url), {
      headers: { authorization: `Bearer ${await token(DEV.student)}` },
    });
    expect(Buffer.from(await audio.arrayBuffer()).equals(wav)).toBe(true);

    // An untyped part is typed by its extension.
    const untyped = await postForm(DEV.student, '/api/recordings?title=Untyped', [
      {
        field: 'file',
        value: new Blob([wav], { type: 'application/octet-stream' }),
        filename: 'x.wav',
      },
    ]);
    expect(untyped.status).toBe(202);
    expect(untyped.body.recording).toMatchObject({ title: 'Untyped', contentType: 'audio/wav' });
    const before = (await listRecordings()).length;

    const noFile = await postForm(DEV.student, '/api/recordings', [{ field: 'title', value: 'x' }]);
    expect(noFile.status).toBe(400);
    expect(message(noFile.body)).toMatch(/no file/i);

    const twoFiles = await postForm(DEV.student, '/api/recordings', [
      { field: 'file', value: new Blob([wav], { type: 'audio/wav' }), filename: 'one.wav' },
      { field: 'file', value: new Blob([wav], { type: 'audio/wav' }), filename: 'two.wav' },
    ]);
    expect(twoFiles.status).toBe(400);
    expect(message(twoFiles.body)).toMatch(/more than one file/i);

    const wrongType = await postForm(DEV.student, '/api/recordings', [
      { field: 'file', value: new Blob(['hello'], { type: 'text/plain' }), filename: 'notes.txt' },
    ]);
    expect(wrongType.status).toBe(415);
    expect(message(wrongType.body)).toMatch(/not audio/i);

    const empty = await postForm(DEV.student, '/api/recordings', [
      { field: 'file', value: new Blob([], { type: 'audio/wav' }), filename: 'silence.wav' },
    ]);
    expect(empty.status).toBe(400);
    expect(message(empty.body)).toMatch(/empty/i);

    // Just over the limit: the form's length is within the slack of the early check, so the
    // limit is found while the file streams in.
    const justOver = await postForm(DEV.student, '/api/recordings', [
      {
        field: 'file',
        value: new Blob([Buffer.alloc(RECORDING_LIMIT + 1, 1)], { type: 'audio/wav' }),
        filename: 'long.wav',
      },
    ]);
    expect(justOver.status).toBe(413);
    expect(message(justOver.body)).toMatch(/limit/i);
    // Far over it: refused from the declared length before the body is read.
    const farOver = await postForm(DEV.student, '/api/recordings', [
      {
        field: 'file',
        value: new Blob([Buffer.alloc(RECORDING_LIMIT * 4, 1)], { type: 'audio/wav' }),
        filename: 'longer.wav',
      },
    ]);
    expect(farOver.status).toBe(413);

    expect((await listRecordings()).length).toBe(before);
  }, 120_000);
});
