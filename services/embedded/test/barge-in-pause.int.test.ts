import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { synthesizeSpeech } from '@lm/audio/testing';
import { GatewayClient } from '@lm/cli';
import { startTestPlatform } from '@lm/embedded/testing';

// The other side of barge-in: the tutor must not cut in on a student who only pauses. A reply
// is prepared during every pause (decision 0022), but it goes out only when the turn is over.

const LECTURER = { email: 'lecturer@example.test', password: 'lecturer-dev-password' };
const STUDENT = { email: 'student1@example.test', password: 'student1-dev-password' };
const COURSE = 'biology-101';

const NOTES = `# Cell Biology

## Mitochondria

Mitochondria produce ATP, the energy currency of the cell, through cellular respiration. They
release carbon dioxide and water as waste.

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA.
`;

interface TutorFrame {
  at: number;
  type: string;
  utteranceId?: string;
  pcm?: string;
  endOfUtterance?: boolean;
  chunk?: { turnId?: string; done?: unknown };
}

interface StoredMessage {
  role: string;
  content: string;
  turnId: string | null;
}

const FRAME_SAMPLES = 1600; // 100 ms at 16 kHz
/** A pause inside the question: past the 160 ms that ends an utterance, short of the turn's end. */
const PAUSE_MS = 320;
/**
 * A loose bound (a reply that waited for a timeout, not a slow machine): with other work on the
 * 2 cores this took 7–15 s at a load average of 10. The benchmark holds the 1.0 s target.
 */
const VOICE_TO_VOICE_BOUND_MS = 30_000;

let platform: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
}, 180_000);
afterAll(async () => {
  await platform?.stop();
});

async function login(who: { email: string; password: string }): Promise<GatewayClient> {
  const client = new GatewayClient(platform.url);
  await client.login(who.email, who.password);
  return client;
}

function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as never));
    socket.once('close', (code, reason) =>
      reject(new Error(`socket closed (${code}) ${reason.toString()}`)),
    );
  });
}

/** The speech of an espeak-ng recording without its trailing silence (~350 ms). */
function trimmed(samples: Int16Array): Int16Array {
  let end = samples.length;
  while (end > 0 && Math.abs(samples[end - 1] ?? 0) <= 1000) end -= 1;
  return samples.subarray(0, end);
}

describe('turn-taking through the gateway (embedded platform, real whisper and Piper)', () => {
  it('a pause inside a question is not its end: one reply, to the whole question, after it', async () => {
    const lecturer = await login(LECTURER);
    const upload = await fetch(
      new URL(`/api/courses/${COURSE}/materials?filename=cells.md`, platform.url),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${lecturer.token ?? ''}`,
          'content-type': 'text/markdown',
        },
        body: NOTES,
      },
    );
    expect(upload.status).toBe(201);

    const student = await login(STUDENT);
    const auth = { authorization: `Bearer ${student.token ?? ''}` };
    const opened = await fetch(new URL('/api/tutor/sessions', platform.url), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ courseId: COURSE }),
    });
    expect(opened.status).toBe(201);
    const { sessionId, conversationId } = (await opened.json()) as {
      sessionId: string;
      conversationId: string;
    };

    const frames: TutorFrame[] = [];
    const tutorSocket = await student.openSocket(`/ws/tutor/${sessionId}`);
    const tutorReady = nextMessage(tutorSocket);
    tutorSocket.on('message', (data: Buffer) => {
      frames.push({ at: Date.now(), ...(JSON.parse(data.toString()) as Omit<TutorFrame, 'at'>) });
    });
    expect((await tutorReady).type).toBe('ready');
    const ingest = await student.openSocket(`/ws/ingest/${sessionId}?format=pcm16`);
    expect((await nextMessage(ingest)).type).toBe('ready');

    // "What do mitochondria produce … and what do they release as waste?" with a short pause.
    const first = trimmed(synthesizeSpeech('What do mitochondria produce', { speed: 150 }).samples);
    const second = trimmed(
      synthesizeSpeech('and what do they release as waste?', { speed: 150 }).samples,
    );
    const pause = (PAUSE_MS * 16_000) / 1000;
    const speech = new Int16Array(first.length + pause + second.length);
    speech.set(first);
    speech.set(second, first.length + pause);

    // The microphone: the question at real-time pace, then silence; each 100 ms frame is sent
    // when its last sample has been captured.
    let stopped = false;
    const started = Date.now();
    let sent = 0;
    const captureTime = (sample: number) => started + (sample / 16_000) * 1000;
    const speechEndsAt = captureTime(speech.length);
    const mic = (async () => {
      while (!stopped) {
        await new Promise((r) =>
          setTimeout(r, Math.max(0, captureTime(sent + FRAME_SAMPLES) - Date.now())),
        );
        const frame = new Int16Array(FRAME_SAMPLES);
        if (sent < speech.length) frame.set(speech.subarray(sent, sent + FRAME_SAMPLES));
        ingest.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        sent += FRAME_SAMPLES;
      }
    })();

    try {
      const isAudio = (f: TutorFrame) => f.type === 'audio' && (f.pcm?.length ?? 0) > 0;
      await waitFor(() => frames.some(isAudio), 90_000, 'the first reply audio');
      const firstAudio = frames.find(isAudio)!;
      const voiceToVoiceMs = firstAudio.at - speechEndsAt;
      console.log(`voice-to-voice through the gateway: ${Math.round(voiceToVoiceMs)} ms`);
      // Nothing was said while the student paused: the answer came after the whole question.
      expect(frames.filter((f) => f.type === 'reply' || f.type === 'audio')[0]!.at).toBeGreaterThan(
        speechEndsAt,
      );
      expect(voiceToVoiceMs).toBeLessThan(VOICE_TO_VOICE_BOUND_MS);
      const turnId = firstAudio.utteranceId ?? '';
      await waitFor(
        () => frames.some((f) => f.type === 'reply' && f.chunk?.turnId === turnId && f.chunk.done),
        30_000,
        'the reply to end',
      );
      // One turn: no reply to the first half went out.
      const turns = new Set(
        frames.filter((f) => f.type === 'reply').map((f) => f.chunk?.turnId ?? ''),
      );
      expect([...turns]).toEqual([turnId]);

      // The conversation holds the whole question once, and its answer.
      const response = await fetch(new URL(`/api/conversations/${conversationId}`, platform.url), {
        headers: auth,
      });
      const { messages } = (await response.json()) as { messages: StoredMessage[] };
      console.log(`stored: ${messages.map((m) => `${m.role}: "${m.content}"`).join(' | ')}`);
      expect(messages.map((m) => [m.role, m.turnId])).toEqual([
        ['user', turnId],
        ['assistant', turnId],
      ]);
      expect(messages[0]!.content.toLowerCase()).toMatch(/mitochondri/);
      expect(messages[0]!.content.toLowerCase()).toMatch(/waste/);

      // The student's voice was labelled tutoring audio at the ingest, so it is not recorded
      // as a lecture (and the transcriber ends a tutoring turn on its shorter silence).
      const audio = await fetch(new URL(`/api/sessions/${sessionId}/audio`, platform.url), {
        headers: auth,
      });
      expect(audio.status).toBe(404);
    } finally {
      stopped = true;
      await mic;
      ingest.close();
      tutorSocket.close();
    }
  }, 240_000);
});
