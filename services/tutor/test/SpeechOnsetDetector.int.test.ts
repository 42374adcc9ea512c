import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '@lm/audio/testing';
import { SileroStream, SileroVad } from '@lm/models';
import { SpeechOnsetDetector } from '../src/index.js';

const FRAME = 1600; // 100 ms chunks, as the ingest publishes them

/** Feeds 100 ms chunks; the stream time (ms) of the end of the chunk that completed an onset. */
async function firstOnsetMs(detector: SpeechOnsetDetector, samples: Int16Array) {
  for (let i = 0; i < samples.length; i += FRAME) {
    const chunk = samples.subarray(i, i + FRAME);
    if (await detector.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
      return ((i + chunk.length) / 16_000) * 1000;
  }
  return null;
}

describe('SpeechOnsetDetector with the real Silero VAD', () => {
  let vad: SileroVad;
  beforeAll(async () => {
    vad = await SileroVad.load();
  });
  afterAll(async () => {
    await vad?.close();
  });

  it('finds the onset of speech within a few frames, and none in silence or low noise', async () => {
    const speech = synthesizeSpeech('Wait, stop, I have another question.', { speed: 160 });
    const lead = 16_000; // one second of silence first
    const audio = new Int16Array(lead + speech.samples.length);
    audio.set(speech.samples, lead);
    const loud = speech.samples.findIndex((s) => Math.abs(s) > 1000);
    const onsetMs = ((lead + loud) / 16_000) * 1000;

    const found = await firstOnsetMs(new SpeechOnsetDetector(new SileroStream(vad)), audio);
    console.log(`speech at ${Math.round(onsetMs)} ms, onset reported at ${found} ms of audio`);
    expect(found).not.toBeNull();
    expect(found!).toBeGreaterThan(lead / 16 - 1);
    // Three speech frames plus the rest of the 100 ms chunk holding them.
    expect(found! - onsetMs).toBeLessThan(300);

    const silence = new Int16Array(3 * 16_000);
    expect(await firstOnsetMs(new SpeechOnsetDetector(new SileroStream(vad)), silence)).toBeNull();
    let seed = 7;
    const hiss = Int16Array.from({ length: 3 * 16_000 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed % 400) - 200;
    });
    expect(await firstOnsetMs(new SpeechOnsetDetector(new SileroStream(vad)), hiss)).toBeNull();
  });
});
