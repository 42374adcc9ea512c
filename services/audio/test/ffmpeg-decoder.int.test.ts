import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@lm/kit';
import { decodeToPcm16k, encodeWav, parseWav } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lm-audio-'));
const speechWav = join(dir, 'speech.wav');
const speechOgg = join(dir, 'speech.ogg');

beforeAll(() => {
  execFileSync('espeak-ng', ['-w', speechWav, 'The quick brown fox jumps over the lazy dog.']);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    speechWav,
    '-c:a',
    'libopus',
    speechOgg,
  ]);
});

function durationSeconds(file: string): number {
  return Number(
    execFileSync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      file,
    ]).toString(),
  );
}

describe('decodeToPcm16k (real ffmpeg)', () => {
  it('decodes espeak WAV and Ogg/Opus to 16 kHz mono with the right duration', async () => {
    for (const file of [speechWav, speechOgg]) {
      const pcm = await decodeToPcm16k(createReadStream(file));
      const seconds = pcm.length / 16000;
      expect(Math.abs(seconds - durationSeconds(file))).toBeLessThan(0.1);
      const rms = Math.sqrt(pcm.reduce((s, v) => s + v * v, 0) / pcm.length);
      expect(rms).toBeGreaterThan(300); // speech, not silence
    }
  });

  it('rejects corrupt input with a clear unsupported_media_type error', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const error = await decodeToPcm16k(Readable.from([garbage])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('unsupported_media_type');
    expect((error as AppError).message).toMatch(
      /^(Could not decode the audio|The audio contains no decodable sound): .+/,
    );
  });

  it('round-trips PCM through encodeWav/parseWav and ffmpeg agrees', async () => {
    const samples = new Int16Array(16000).map((_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)),
    );
    const wav = encodeWav({ sampleRate: 16000, channels: 1, samples });
    expect(parseWav(wav).samples).toEqual(samples);
    const decoded = await decodeToPcm16k(Readable.from([wav]));
    expect(decoded.length).toBe(samples.length);
    expect(Math.abs((decoded[100] ?? 0) - (samples[100] ?? 0))).toBeLessThan(2);
  });

  it('parseWav refuses non-WAV and compressed WAV clearly', () => {
    expect(() => parseWav(Buffer.from('hello world, not audio'))).toThrow(/Not a WAV file/);
    const ulaw = join(dir, 'ulaw.wav');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-i',
      speechWav,
      '-c:a',
      'pcm_mulaw',
      ulaw,
    ]);
    expect(() => parseWav(readFileSync(ulaw))).toThrow(/not 16-bit PCM/);
  });
});
