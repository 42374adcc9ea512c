import { describe, expect, it } from 'vitest';
import { createLogger } from '@lm/kit';
import { DecodeScheduler } from '../src/DecodeScheduler.js';
import type { TimedWord } from '../src/LocalAgreement.js';
import type { Recognizer } from '../src/ports.js';
import { StreamTranscriber } from '../src/StreamTranscriber.js';
import { LoudnessDetector } from './support/fakes.js';

/** Answers after a random delay with a word per 300 ms of audio. */
class SlowRecognizer implements Recognizer {
  constructor(private readonly random: () => number) {}
  async recognize(audio: Float32Array): Promise<TimedWord[]> {
    await new Promise((r) => setTimeout(r, Math.floor(this.random() * 8)));
    const ms = (audio.length * 1000) / 16_000;
    return Array.from({ length: Math.floor(ms / 300) }, (_, i) => ({
      text: `w${i}`,
      startMs: i * 300,
      endMs: i * 300 + 250,
      confidence: 0.9,
    }));
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

describe('an ended stream', () => {
  it('always becomes idle, whatever the speech pattern and decode timing (40 random runs)', async () => {
    for (let run = 0; run < 40; run++) {
      const random = seeded(run + 1);
      const stream = new StreamTranscriber('s', `mic-${run}`, new LoudnessDetector());
      const scheduler = new DecodeScheduler(
        new SlowRecognizer(random),
        () => Promise.resolve(),
        createLogger({ service: 't', level: 'silent' }),
      );
      scheduler.add(stream);
      let t = 0;
      const chunks = 20 + Math.floor(random() * 100);
      let loud = random() < 0.5;
      for (let i = 0; i < chunks; i++) {
        if (random() < 0.2) loud = !loud;
        const samples = new Float32Array(1600).fill(loud ? 0.3 : 0.001);
        await stream.push(samples, t, Date.now());
        t += 100;
        scheduler.kick();
        // Sometimes let decodes overlap with the next chunks, as they do live.
        if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 5)));
      }
      stream.end();
      scheduler.kick();
      await scheduler.idle();
      expect(stream.isIdle, `run ${run}`).toBe(true);
    }
  });
});
