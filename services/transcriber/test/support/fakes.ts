import type { TimedWord } from '../../src/LocalAgreement.js';
import type { SpeechDetector } from '../../src/ports.js';

/** Deterministic stand-in for the VAD in state-machine tests: loud frames (RMS > 0.05) are speech. */
export class LoudnessDetector implements SpeechDetector {
  readonly frameSize = 512;
  probability(frame: Float32Array): Promise<number> {
    let sum = 0;
    for (const s of frame) sum += s * s;
    return Promise.resolve(Math.sqrt(sum / frame.length) > 0.05 ? 0.9 : 0.05);
  }
}

/** `ms` of 16 kHz PCM16 for the bus: a 220 Hz tone when loud, digital silence otherwise. */
export function pcm(ms: number, loud: boolean): Buffer {
  const samples = new Int16Array((ms * 16_000) / 1000);
  if (loud)
    for (let i = 0; i < samples.length; i++)
      samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
  return Buffer.from(samples.buffer);
}

/** Words w0, w1, … one per 250 ms of the decoded audio: successive decodes of a growing buffer agree. */
export function metronomeWords(audio: Float32Array): TimedWord[] {
  const ms = (audio.length * 1000) / 16_000;
  const words: TimedWord[] = [];
  for (let t = 0; t + 250 <= ms; t += 250)
    words.push({ text: `w${t / 250}`, startMs: t, endMs: t + 200, confidence: 0.9 });
  return words;
}
