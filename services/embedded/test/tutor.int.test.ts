import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToPcm16k, parseWav } from '@lm/audio';
import { synthesizeSpeech } from '@lm/audio/testing';
import { runCaption, runTutorCommand } from '@lm/cli';
import { WhisperRecognizer } from '@lm/models';
import { DEV, startTestPlatform } from './support/platform.js';

const NOTES = `# Cell Biology

## Mitochondria

Mitochondria produce ATP, the energy currency of the cell, through cellular respiration. They
turn glucose and oxygen into that energy. A muscle cell can hold thousands of mitochondria.

## Ribosomes

Ribosomes build proteins from amino acids by reading messenger RNA. They float in the cytoplasm
or sit on the rough endoplasmic reticulum.
`;

let platform: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
}, 180_000);
afterAll(async () => {
  await platform?.stop();
});

async function call(
  who: { email: string; password: string },
  method: string,
  path: string,
  body?: string | Buffer,
  contentType = 'application/json',
): Promise<Response> {
  const client = await platform.signIn(who);
  return fetch(new URL(path, platform.url), {
    method,
    headers: {
      authorization: `Bearer ${client.token ?? ''}`,
      ...(body !== undefined ? { 'content-type': contentType } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}),
  });
}

function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Done {
  text: string;
  citations?: { kind: string; title?: string; heading?: string; sourceId?: string }[];
}

describe('materials, search and the tutor through the embedded gateway', () => {
  let materialId = '';
  let conversationId = '';

  it('a lecturer uploads notes; students cannot upload; empty and malformed uploads get a clear 4xx', async () => {
    const uploaded = await call(
      DEV.lecturer,
      'POST',
      `/api/courses/${DEV.course}/materials?filename=cells.md`,
      NOTES,
      'text/markdown',
    );
    expect(uploaded.status).toBe(201);
    const material = (await uploaded.json()) as { id: string; title: string; chunkCount: number };
    expect(material.chunkCount).toBeGreaterThan(0);
    materialId = material.id;

    const byStudent = await call(
      DEV.student,
      'POST',
      `/api/courses/${DEV.course}/materials?filename=x.md`,
      NOTES,
      'text/markdown',
    );
    expect(byStudent.status).toBe(403);

    const empty = await call(
      DEV.lecturer,
      'POST',
      `/api/courses/${DEV.course}/materials?filename=empty.txt`,
      Buffer.alloc(0),
      'text/plain',
    );
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(
      /empty/i,
    );

    const badPdf = await call(
      DEV.lecturer,
      'POST',
      `/api/courses/${DEV.course}/materials?filename=broken.pdf`,
      Buffer.from('%PDF-1.4\nthis is not really a pdf\n%%EOF'),
      'application/pdf',
    );
    expect([400, 415, 422]).toContain(badPdf.status);
    const badBody = (await badPdf.json()) as { error: { code: string; message: string } };
    console.log(`malformed PDF: ${badPdf.status} ${badBody.error.code}: ${badBody.error.message}`);

    const noName = await call(DEV.lecturer, 'POST', `/api/courses/${DEV.course}/materials`, NOTES);
    expect(noName.status).toBe(400);

    const list = await call(DEV.student, 'GET', `/api/courses/${DEV.course}/materials`);
    expect(list.status).toBe(200);
    const listed = (await list.json()) as { materials: { id: string }[] };
    expect(listed.materials.map((m) => m.id)).toEqual([materialId]);
  });

  it('student1 asks by text: the reply streams as NDJSON and cites the notes', async () => {
    const started = performance.now();
    const response = await call(
      DEV.student,
      'POST',
      '/api/tutor/chat',
      JSON.stringify({ courseId: DEV.course, text: 'What do mitochondria produce?' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/ndjson/);
    const chunks = ndjson(await response.text());
    const tokens = chunks.filter((c) => typeof c.token === 'string');
    const done = chunks.find((c) => c.done)?.done as Done | undefined;
    console.log(
      `chat: ${tokens.length} token chunks, ${Math.round(performance.now() - started)} ms — "${done?.text ?? ''}"`,
    );
    expect(tokens.length).toBeGreaterThan(1);
    expect(done?.text).toMatch(/ATP/);
    expect(
      done?.citations?.some((c) => c.sourceId === materialId || /Cell/.test(c.title ?? '')),
    ).toBe(true);
    conversationId = (chunks[0]?.conversationId as string | undefined) ?? '';
    expect(conversationId).not.toBe('');

    const stored = await call(DEV.student, 'GET', `/api/conversations/${conversationId}`);
    expect(stored.status).toBe(200);
    const conversation = (await stored.json()) as {
      messages: { role: string; content: string; citations: unknown[] }[];
    };
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(conversation.messages[1]?.citations.length).toBeGreaterThan(0);

    const followUp = await call(
      DEV.student,
      'POST',
      `/api/conversations/${conversationId}/messages`,
      JSON.stringify({ text: 'What do ribosomes build?' }),
    );
    expect(followUp.status).toBe(200);
    const followDone = ndjson(await followUp.text()).find((c) => c.done)?.done as Done | undefined;
    expect(followDone?.text).toMatch(/protein/i);
  });

  it('search is scoped: student1 finds the notes, student2 sees nothing of the course', async () => {
    const hits = await call(DEV.student, 'GET', `/api/search?q=ribosomes&courseId=${DEV.course}`);
    expect(hits.status).toBe(200);
    const found = (await hits.json()) as { hits: { text?: string }[] };
    expect(found.hits.length).toBeGreaterThan(0);

    const scoped = await call(
      DEV.outsider,
      'GET',
      `/api/search?q=ribosomes&courseId=${DEV.course}`,
    );
    expect(scoped.status).toBe(404);
    const unscoped = await call(DEV.outsider, 'GET', '/api/search?q=ribosomes');
    expect(((await unscoped.json()) as { hits: unknown[] }).hits).toEqual([]);
    expect((await call(DEV.outsider, 'GET', `/api/courses/${DEV.course}/materials`)).status).toBe(
      403,
    );
    expect(
      (await call(DEV.outsider, 'GET', `/api/courses/${DEV.course}/materials/${materialId}`))
        .status,
    ).toBe(403);
    const chat = await call(
      DEV.outsider,
      'POST',
      '/api/tutor/chat',
      JSON.stringify({ courseId: DEV.course, text: 'What do mitochondria produce?' }),
    );
    expect(chat.status).toBe(403);
  });

  it("student2 cannot read or continue student1's conversation", async () => {
    expect((await call(DEV.outsider, 'GET', `/api/conversations/${conversationId}`)).status).toBe(
      404,
    );
    const post = await call(
      DEV.outsider,
      'POST',
      `/api/conversations/${conversationId}/messages`,
      JSON.stringify({ text: 'hello' }),
    );
    expect(post.status).toBe(404);
    const list = (await (await call(DEV.outsider, 'GET', '/api/conversations')).json()) as {
      conversations: unknown[];
    };
    expect(list.conversations).toEqual([]);
  });

  it('speech: lists voices and synthesizes a WAV', async () => {
    const voices = (await (await call(DEV.student, 'GET', '/api/speech/voices')).json()) as {
      voices: { id: string }[];
    };
    expect(voices.voices.length).toBeGreaterThan(0);
    const response = await call(
      DEV.student,
      'POST',
      '/api/speech/synthesize',
      JSON.stringify({ text: 'Mitochondria produce ATP.' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/audio\/wav/);
    const wav = parseWav(Buffer.from(await response.arrayBuffer()));
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(0.5);
    const empty = await call(DEV.student, 'POST', '/api/speech/synthesize', JSON.stringify({}));
    expect(empty.status).toBe(400);
  });

  it('voice: `lm tutor --audio` asks by speech and gets a spoken, cited answer back', async () => {
    const question = synthesizeSpeech('What do mitochondria produce?', { speed: 140 });
    const dir = mkdtempSync(join(tmpdir(), 'lm-tutor-voice-'));
    const out = join(dir, 'answer.wav');
    let stdout = '';
    const io = {
      stdin: Readable.from([]),
      stdout: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          stdout += chunk.toString();
          callback();
        },
      }),
      stderr: new Writable({ write: (_c, _e, callback: () => void) => callback() }),
    };
    const started = performance.now();
    await runTutorCommand(
      {
        client: await platform.signIn(DEV.student),
        courseId: DEV.course,
        audio: question.path,
        out,
        timeoutMs: 150_000,
      },
      io,
    );
    const elapsed = Math.round(performance.now() - started);
    expect(stdout).toMatch(/ATP/);
    expect(stdout).toMatch(/Sources:/);

    const whisper = await WhisperRecognizer.load('whisper-base');
    try {
      const pcm = await decodeToPcm16k(Readable.from([readFileSync(out)]));
      const result = await whisper.recognize(
        Float32Array.from(pcm, (s) => s / 32768),
        { language: 'en' },
      );
      const heard = result.segments.map((s) => s.text).join(' ');
      console.log(
        `voice: answered in ${elapsed} ms, ${(pcm.length / 16000).toFixed(1)} s of speech — heard "${heard}"`,
      );
      // The answer's words (whisper-base sometimes hears "ATP" as "ADP").
      expect(heard.toLowerCase()).toMatch(/energy currency|cellular respiration/);
    } finally {
      await whisper.close();
    }
  }, 200_000);

  it('an ended lecture of the course is indexed: its transcript is found by search, with its time', async () => {
    const passage =
      'Plate tectonics explains how the continents move slowly over millions of years.';
    const speech = synthesizeSpeech(passage, { voice: 'en-us', speed: 140 });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const lecturer = await platform.signIn(DEV.lecturer);
    const result = await runCaption(
      lecturer,
      {
        file: speech.path,
        fast: true,
        timestamps: false,
        courseId: DEV.course,
        finishTimeoutMs: 90_000,
      },
      sink,
    );
    expect(result.complete).toBe(true);
    // runCaption ended the session; indexing runs in the background.
    const deadline = Date.now() + 60_000;
    let lectureHit: { kind: string; sessionId: string | null; startMs: number | null } | undefined;
    while (Date.now() < deadline && !lectureHit) {
      const response = await call(
        DEV.student,
        'GET',
        `/api/search?q=${encodeURIComponent('continents plate tectonics')}&courseId=${DEV.course}`,
      );
      expect(response.status).toBe(200);
      const { hits } = (await response.json()) as {
        hits: { kind: string; sessionId: string | null; startMs: number | null }[];
      };
      lectureHit = hits.find((h) => h.kind === 'lecture' && h.sessionId === result.sessionId);
      if (!lectureHit) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(lectureHit, 'the ended lecture was not indexed within 60 s').toBeDefined();
    expect(lectureHit?.startMs).not.toBeNull();
  }, 200_000);
});
