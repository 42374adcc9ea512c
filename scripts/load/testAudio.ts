import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '@lm/audio';
import { LECTURE_PASSAGES, synthesizeSpeech } from '@lm/audio/testing';

export interface TestAudio {
  /** Raw PCM16 16 kHz mono, for the ingest (`format=pcm16`). */
  pcmPath: string;
  /** The same speech as a WAV file, for uploads. */
  wavPath: string;
  durationMs: number;
}

/**
 * Lecture speech synthesised with espeak-ng at run time (nothing is downloaded or committed):
 * `passages` passages one after another, written as raw PCM and as WAV into `dir`.
 */
export function makeTestAudio(dir: string, passages: number): TestAudio {
  const parts = LECTURE_PASSAGES.slice(0, passages).map((text) => synthesizeSpeech(text, { dir }));
  const total = parts.reduce((n, p) => n + p.samples.length, 0);
  const samples = new Int16Array(total);
  let at = 0;
  for (const part of parts) {
    samples.set(part.samples, at);
    at += part.samples.length;
  }
  const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const pcmPath = join(dir, 'lecture.pcm');
  writeFileSync(pcmPath, pcm);
  const wavPath = join(dir, 'lecture.wav');
  writeFileSync(wavPath, encodeWav({ sampleRate: 16_000, channels: 1, samples }));
  return { pcmPath, wavPath, durationMs: (total * 1000) / 16_000 };
}
