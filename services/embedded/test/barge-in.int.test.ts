import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '@lm/audio/testing';
import { waitFor } from '@lm/kit/testing';
import { DEV, startTestPlatform } from './support/platform.js';
import { openVoiceTutor, type TutorFrame } from './support/voiceTutor.js';

// A long section, so that the spoken answer lasts well past the moment the student cuts in.
const NOTES = `# Cell Biology

## Mitochondria

Mitochondria produce ATP, the energy currency of the cell, through cellular respiration. They
turn glucose and oxygen into that energy, and they release carbon dioxide and water as waste.
A muscle cell can hold thousands of mitochondria, because muscles need a great deal of energy.
Mitochondria have their own small ring of DNA, which they inherit from the mother only. Their
inner membrane is folded into cristae, which give the respiration enzymes a large surface.
`;

/** The barge-in bound this test holds the platform to (the 300 ms target is the benchmark's). */
const CANCEL_BOUND_MS = 1500;
const FRAME_SAMPLES = 1600; // 100 ms at 16 kHz: a microphone's pace

let platform: Awaited<ReturnType<typeof startTestPlatform>>;

beforeAll(async () => {
  platform = await startTestPlatform({ LM_MEDIA_ENABLED: 'false' });
}, 180_000);
afterAll(async () => {
  await platform?.stop();
});

/** Index of the first sample loud enough to be speech (espeak-ng starts with a little silence). */
function onsetIndex(samples: Int16Array): number {
  const i = samples.findIndex((s) => Math.abs(s) > 1000);
  return i < 0 ? 0 : i;
}

describe('barge-in through the gateway (embedded platform, real models)', () => {
  it('speaking over the tutor stops its audio, cancels the turn and stores only what was sent', async () => {
    const lecturer = await platform.signIn(DEV.lecturer);
    await lecturer.uploadMaterial(DEV.course, Buffer.from(NOTES), { filename: 'mito.md' });
    const student = await platform.signIn(DEV.student);
    const tutor = await openVoiceTutor(student, DEV.course);
    const { frames, ingest } = tutor;

    // The microphone: whatever is queued is captured at real-time pace (silence when nothing
    // is), and each 100 ms frame is sent when its last sample has been captured.
    const queue: Int16Array[] = [];
    let pending: Int16Array = new Int16Array(0);
    let stopped = false;
    const started = Date.now();
    let sent = 0;
    const captureTime = (sample: number) => started + (sample / 16_000) * 1000;
    const mic = (async () => {
      while (!stopped) {
        await new Promise((r) =>
          setTimeout(r, Math.max(0, captureTime(sent + FRAME_SAMPLES) - Date.now())),
        );
        if (pending.length === 0 && queue.length > 0) pending = queue.shift()!;
        const frame = new Int16Array(FRAME_SAMPLES);
        frame.set(pending.subarray(0, FRAME_SAMPLES));
        pending = pending.subarray(Math.min(FRAME_SAMPLES, pending.length));
        ingest.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        sent += FRAME_SAMPLES;
      }
    })();
    /**
     * Queues speech; resolves once its onset was sent, with the wall-clock moment the onset was
     * spoken (captured), which is up to one frame before the frame holding it was sent.
     */
    const speak = async (samples: Int16Array): Promise<number> => {
      // Frames are whole: a queued utterance starts at the next frame boundary at the earliest.
      const ahead = pending.length + queue.reduce((n, q) => n + q.length, 0);
      const startsAt = sent + Math.ceil(ahead / FRAME_SAMPLES) * FRAME_SAMPLES;
      queue.push(samples);
      const onsetSample = startsAt + onsetIndex(samples);
      await waitFor('the onset to be sent', () => sent > onsetSample, { timeoutMs: 60_000 });
      return captureTime(onsetSample);
    };

    try {
      const question = synthesizeSpeech('What do mitochondria produce?', { speed: 150 });
      await speak(question.samples);
      // The reply's audio arrives while the microphone sends silence.
      await waitFor(
        'the first reply audio',
        () => frames.some((f) => f.type === 'audio' && (f.pcm?.length ?? 0) > 0),
        { timeoutMs: 90_000 },
      );
      const firstAudio = frames.find((f) => f.type === 'audio' && (f.pcm?.length ?? 0) > 0)!;
      const turnId = firstAudio.utteranceId ?? '';
      expect(turnId).not.toBe('');

      // The student cuts in while the answer is still being spoken.
      await new Promise((r) => setTimeout(r, 1200));
      expect(
        frames.some((f) => f.type === 'audio' && f.utteranceId === turnId && f.endOfUtterance),
        'the answer was over before the student cut in: make it longer',
      ).toBe(false);
      const interruption = synthesizeSpeech('Wait, stop, I have another question.', { speed: 150 });
      const onsetAt = await speak(interruption.samples);
      const isCancel = (f: TutorFrame) => f.chunk?.turnId === turnId && f.chunk.cancelled;
      await waitFor('the cancel of the spoken turn', () => frames.some(isCancel), {
        timeoutMs: 20_000,
      });
      const cancel = frames.find(isCancel)!;
      const cancelMs = cancel.at - onsetAt;
      console.log(
        `barge-in: speech onset (captured) → cancel received ${Math.round(cancelMs)} ms (${cancel.chunk?.cancelled?.reason})`,
      );
      expect(cancelMs).toBeLessThan(CANCEL_BOUND_MS);

      // No more of the cancelled answer's audio after the cancel.
      await waitFor(
        'the end of the cancelled utterance',
        () => frames.some((f) => f.utteranceId === turnId && f.endOfUtterance),
        { timeoutMs: 5000 },
      );
      await new Promise((r) => setTimeout(r, 1000));
      const lateAudio = frames.filter(
        (f) =>
          f.type === 'audio' &&
          f.utteranceId === turnId &&
          (f.pcm?.length ?? 0) > 0 &&
          f.at > cancel.at,
      );
      expect(lateAudio).toEqual([]);

      // What the student heard of the answer: the sentences whose audio reached them.
      const heard = frames
        .filter((f) => f.type === 'audio' && f.utteranceId === turnId && f.text)
        .map((f) => f.text ?? '');
      expect(heard.length).toBeGreaterThan(0);

      const reply = await waitFor(
        'the spoken part of the reply stored',
        async () =>
          (await tutor.messages()).find(
            (m) => m.role === 'assistant' && m.turnId === turnId && m.spokenText,
          ),
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      console.log(
        `stored: cancelled=${String(reply.cancelled)} spoken="${reply.spokenText ?? ''}" of "${reply.content}"`,
      );
      expect(reply).toMatchObject({ cancelled: true, spokenText: heard.join(' ') });
      // Only a part was spoken: the generated answer is longer than what was heard.
      expect(reply?.spokenText?.length).toBeLessThan(
        reply?.content.replace(/\s*\[\d+\]/g, '').length ?? 0,
      );
    } finally {
      stopped = true;
      await mic;
      tutor.close();
    }
  }, 240_000);
});
