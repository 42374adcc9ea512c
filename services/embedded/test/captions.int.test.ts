import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '@lm/audio';
import { LECTURE_PASSAGES, synthesizeSpeech, wordErrorRate } from '@lm/audio/testing';
import { GatewayClient, runCaption } from '@lm/cli';
import { DEV, startTestPlatform } from './support/platform.js';

const sink = { write: () => true, isTTY: false };

let platform: Awaited<ReturnType<typeof startTestPlatform>>;
const dir = mkdtempSync(join(tmpdir(), 'lm-captions-'));

beforeAll(async () => {
  platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
});
afterAll(async () => {
  await platform?.stop();
});

describe('live captions through the embedded platform (ingest → bus → transcriber → gateway)', () => {
  it('captions a spoken recording: partials while it plays, finals that match its words, stored transcript', async () => {
    const passage = LECTURE_PASSAGES[0];
    const speech = synthesizeSpeech(passage, { voice: 'en-us', speed: 140 });
    const client = await platform.signIn(DEV.lecturer);
    const result = await runCaption(
      client,
      { file: speech.path, fast: false, timestamps: false, finishTimeoutMs: 90_000 },
      sink,
    );
    const text = result.finals.map((f) => f.text).join(' ');
    const wer = wordErrorRate(passage, text);
    const partials = result.captions.filter((c) => c.kind === 'partial');
    console.log(
      `captions: ${partials.length} partials, ${result.finals.length} finals, WER ${(wer * 100).toFixed(1)}% — "${text}"`,
    );
    expect(result.complete).toBe(true);
    expect(partials.length).toBeGreaterThan(0);
    expect(wer).toBeLessThan(0.3);
    // The finals were stored: the transcript export has the same words.
    const exported = await client.transcript(result.sessionId, 'txt');
    expect(wordErrorRate(text, exported.replace(/\[\d\d:\d\d\]/g, ''))).toBe(0);
    const vtt = await client.transcript(result.sessionId, 'vtt');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
  });

  it('gives no text for silence', async () => {
    const silent = join(dir, 'silence.wav');
    writeFileSync(
      silent,
      encodeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(16000 * 5) }),
    );
    const client = await platform.signIn(DEV.lecturer);
    const result = await runCaption(
      client,
      { file: silent, fast: true, timestamps: false, finishTimeoutMs: 30_000 },
      sink,
    );
    expect(result.complete).toBe(true);
    expect(result.captions.filter((c) => c.text.trim() !== '')).toEqual([]);
  });

  it('refuses undecodable audio on the ingest with a clear error, and the session keeps working', async () => {
    const client = await platform.signIn(DEV.lecturer);
    const session = await client.createSession({ title: 'corrupt' });
    const ingest = await client.openSocket(`/ws/ingest/${session.id}?format=container`);
    const closed = new Promise<{ code: number; frames: string[] }>((resolve) => {
      const frames: string[] = [];
      ingest.on('message', (d: Buffer) => frames.push(d.toString()));
      ingest.on('close', (code) => resolve({ code, frames }));
    });
    ingest.send(Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256)));
    ingest.send(JSON.stringify({ type: 'end' }));
    const { code, frames } = await closed;
    expect(code).toBe(4415);
    const error = frames
      .map((f) => JSON.parse(f) as { type: string; code?: string; message?: string })
      .find((f) => f.type === 'error');
    expect(error?.code).toBe('unsupported_media_type');
    expect(error?.message).toMatch(/decod/i);
    // The platform still answers and the session still takes good audio.
    const again = await client.openSocket(`/ws/ingest/${session.id}?format=pcm16`);
    const ready = await new Promise<string>((resolve) =>
      again.once('message', (d: Buffer) => resolve(d.toString())),
    );
    expect(JSON.parse(ready)).toMatchObject({ type: 'ready' });
    again.close();
  });

  it('keeps other people out of a session: no captions, no audio, no transcript', async () => {
    const lecturer = await platform.signIn(DEV.lecturer);
    const session = await lecturer.createSession({ title: 'private' });
    const outsider = await platform.signIn(DEV.outsider);
    for (const path of [`/ws/captions/${session.id}`, `/ws/ingest/${session.id}`]) {
      const socket = await outsider.openSocket(path);
      const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
      expect(code).toBe(4404);
    }
    await expect(outsider.transcript(session.id, 'txt')).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const anonymous = new GatewayClient(platform.url);
    await expect(anonymous.transcript(session.id, 'txt')).rejects.toMatchObject({ status: 401 });
    const noToken = await anonymous.openSocket(`/ws/captions/${session.id}`);
    expect(await new Promise<number>((resolve) => noToken.on('close', (c) => resolve(c)))).toBe(
      4401,
    );
  });
});
