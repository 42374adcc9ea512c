import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '@lm/audio';
import { LECTURE_PASSAGES, synthesizeSpeech } from '@lm/audio/testing';
import { GatewayClient } from '@lm/cli';
import { DEV, startTestPlatform } from './support/platform.js';

/** Enrolled in no course of the lecturer's. */

let platform: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
});
afterAll(async () => {
  await platform?.stop();
});

function audio(client: GatewayClient | undefined, sessionId: string, range?: string) {
  const headers: Record<string, string> = {};
  if (client?.token) headers.authorization = `Bearer ${client.token}`;
  if (range) headers.range = range;
  return fetch(`${platform.url}/api/sessions/${sessionId}/audio`, { headers });
}

/** Streams 16 kHz PCM over the ingest WebSocket in 50 ms frames, then ends the stream. */
async function streamPcm(client: GatewayClient, sessionId: string, pcm: Buffer): Promise<void> {
  const socket = await client.openSocket(`/ws/ingest/${sessionId}?format=pcm16`);
  const frames: { type: string }[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string };
      frames.push(frame);
      if (frame.type === 'ended') resolve();
      if (frame.type === 'error') reject(new Error(data.toString()));
    });
    socket.on('close', (code) => reject(new Error(`ingest closed with ${code}`)));
  });
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  for (let offset = 0; offset < pcm.length; offset += 1600) {
    socket.send(pcm.subarray(offset, Math.min(offset + 1600, pcm.length)));
  }
  socket.send(JSON.stringify({ type: 'end' }));
  await ended;
  expect(frames[0]?.type).toBe('ready');
}

/** The WAV once the recorder has finalised it (the bus delivers asynchronously). */
async function finishedAudio(
  client: GatewayClient,
  sessionId: string,
  expectedBytes: number,
): Promise<Buffer> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await audio(client, sessionId);
    if (response.ok) {
      const body = Buffer.from(await response.arrayBuffer());
      if (body.length >= expectedBytes || Date.now() > deadline) return body;
    } else if (Date.now() > deadline) {
      throw new Error(`audio still missing: HTTP ${response.status} ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('live lectures are recorded (ingest → audio topic → LectureRecorder → GET audio)', () => {
  it('serves the streamed lecture as a WAV with the same samples, ranges for seeking, only to its viewers', async () => {
    const speech = synthesizeSpeech(LECTURE_PASSAGES[1], { voice: 'en-us', speed: 170 });
    const lecturer = await platform.signIn(DEV.lecturer);
    const session = await lecturer.createSession({ title: 'Cells', courseId: DEV.course });
    const sent = Buffer.from(
      speech.samples.buffer,
      speech.samples.byteOffset,
      speech.samples.byteLength,
    );
    await streamPcm(lecturer, session.id, sent);
    await lecturer.endSession(session.id);

    const wavBytes = await finishedAudio(lecturer, session.id, 44 + sent.length);
    const wav = parseWav(wavBytes);
    const durationMs = (wav.samples.length * 1000) / wav.sampleRate;
    console.log(
      `recorded ${durationMs.toFixed(0)} ms of ${speech.durationMs.toFixed(0)} ms sent, ${wavBytes.length} bytes`,
    );
    expect(wav.sampleRate).toBe(16_000);
    expect(wav.channels).toBe(1);
    expect(Math.abs(durationMs - speech.durationMs)).toBeLessThan(200);
    // The header says exactly how much audio there is, and the samples are the ones sent.
    expect(wavBytes.readUInt32LE(40)).toBe(wavBytes.length - 44);
    const recorded = Buffer.from(
      wav.samples.buffer,
      wav.samples.byteOffset,
      wav.samples.byteLength,
    );
    expect(recorded.subarray(0, sent.length).equals(sent)).toBe(true);

    // An enrolled student may listen, and seek: a range answers 206 with those bytes.
    const student = await platform.signIn(DEV.student);
    const ranged = await audio(student, session.id, 'bytes=32044-36043');
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-type')).toBe('audio/wav');
    expect(ranged.headers.get('content-range')).toBe(`bytes 32044-36043/${wavBytes.length}`);
    const slice = Buffer.from(await ranged.arrayBuffer());
    expect(slice.length).toBe(4000);
    expect(slice.equals(wavBytes.subarray(32044, 36044))).toBe(true);
    // A range across the header comes from the same bytes as the whole file.
    const head = await audio(student, session.id, 'bytes=0-99');
    expect(Buffer.from(await head.arrayBuffer()).equals(wavBytes.subarray(0, 100))).toBe(true);
    expect((await audio(student, session.id, `bytes=${wavBytes.length + 10}-`)).status).toBe(416);
    const view = (await (
      await fetch(`${platform.url}/api/sessions/${session.id}`, {
        headers: { authorization: `Bearer ${student.token ?? ''}` },
      })
    ).json()) as { hasAudio?: boolean };
    expect(view.hasAudio).toBe(true);
    // The web player cannot send headers: the token rides in the query, and seeking still works.
    const streamed = await fetch(
      `${platform.url}/api/sessions/${session.id}/audio?access_token=${encodeURIComponent(student.token ?? '')}`,
      { headers: { range: 'bytes=32044-36043' } },
    );
    expect(streamed.status).toBe(206);
    expect(Buffer.from(await streamed.arrayBuffer()).equals(wavBytes.subarray(32044, 36044))).toBe(
      true,
    );
    const badToken = await fetch(`${platform.url}/api/sessions/${session.id}/audio?access_token=x`);
    expect(badToken.status).toBe(401);

    // Outsiders get what they get for the transcript: 404 with a token, 401 without.
    const outsider = await platform.signIn(DEV.outsider);
    const refused = await audio(outsider, session.id);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('not_found');
    await expect(outsider.transcript(session.id, 'txt')).rejects.toMatchObject({ status: 404 });
    expect((await audio(undefined, session.id)).status).toBe(401);
  });

  it('answers 404 with a clear error for a session without audio', async () => {
    const lecturer = await platform.signIn(DEV.lecturer);
    const session = await lecturer.createSession({ title: 'Silent start', courseId: DEV.course });
    const response = await audio(lecturer, session.id);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toMatch(/no recorded audio/);
  });
});
