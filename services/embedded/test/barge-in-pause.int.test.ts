import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '@lm/audio/testing';
import { waitFor } from '@lm/kit/testing';
import { DEV, startTestPlatform } from './support/platform.js';
import { openVoiceTutor, type TutorFrame } from './support/voiceTutor.js';

// The other side of barge-in: the tutor must not cut in on a student who only pauses. A reply
// is prepared during every pause (decision 0022), but it goes out only when the turn is over.

const NOTES = `# Cell Biology

## Mitochondria

Mitochondria produce ATP, the energy currency of the cell, through cellular respiration. They
release carbon dioxide and water as waste.

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA.
`;

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

/** The speech of an espeak-ng recording without its trailing silence (~350 ms). */
function trimmed(samples: Int16Array): Int16Array {
  let end = samples.length;
  while (end > 0 && Math.abs(samples[end - 1] ?? 0) <= 1000) end -= 1;
  return samples.subarray(0, end);
}

describe('turn-taking through the gateway (embedded platform, real whisper and Piper)', () => {
  it('a pause inside a question is not its end: one reply, to the whole question, after it', async () => {
    const lecturer = await platform.signIn(DEV.lecturer);
    await lecturer.uploadMaterial(DEV.course, Buffer.from(NOTES), { filename: 'cells.md' });
    const student = await platform.signIn(DEV.student);
    const tutor = await openVoiceTutor(student, DEV.course);
    const { frames, ingest } = tutor;

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
      await waitFor('the first reply audio', () => frames.some(isAudio), { timeoutMs: 90_000 });
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
        'the reply to end',
        () => frames.some((f) => f.type === 'reply' && f.chunk?.turnId === turnId && f.chunk.done),
        { timeoutMs: 30_000 },
      );
      // One turn: no reply to the first half went out.
      const turns = new Set(
        frames.filter((f) => f.type === 'reply').map((f) => f.chunk?.turnId ?? ''),
      );
      expect([...turns]).toEqual([turnId]);

      // The conversation holds the whole question once, and its answer.
      const messages = await tutor.messages();
      console.log(`stored: ${messages.map((m) => `${m.role}: "${m.content}"`).join(' | ')}`);
      expect(messages.map((m) => [m.role, m.turnId])).toEqual([
        ['user', turnId],
        ['assistant', turnId],
      ]);
      expect(messages[0]!.content.toLowerCase()).toMatch(/mitochondri/);
      expect(messages[0]!.content.toLowerCase()).toMatch(/waste/);

      // The student's voice was labelled tutoring audio at the ingest, so it is not recorded
      // as a lecture (and the transcriber ends a tutoring turn on its shorter silence).
      const audio = await fetch(new URL(`/api/sessions/${tutor.sessionId}/audio`, platform.url), {
        headers: { authorization: `Bearer ${student.token ?? ''}` },
      });
      expect(audio.status).toBe(404);
    } finally {
      stopped = true;
      await mic;
      tutor.close();
    }
  }, 240_000);
});
