import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SpeechFixture {
  /** 48 kHz mono WAV, what the publisher encodes to Opus. */
  wav48: string;
  /** The same speech at 16 kHz mono: what the tap should give back. */
  reference16: Int16Array;
  durationMs: number;
}

/** A spoken sentence synthesized with espeak-ng, resampled by ffmpeg. */
export async function makeSpeech(dir: string, text: string): Promise<SpeechFixture> {
  const raw = path.join(dir, 'espeak.wav');
  const wav48 = path.join(dir, 'speech48k.wav');
  const ref = path.join(dir, 'speech16k.pcm');
  await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    raw,
    '-ar',
    '48000',
    '-ac',
    '1',
    wav48,
  ]);
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    raw,
    '-ar',
    '16000',
    '-ac',
    '1',
    '-f',
    's16le',
    ref,
  ]);
  const reference16 = toSamples(await readFile(ref));
  return { wav48, reference16, durationMs: (reference16.length / 16000) * 1000 };
}

/** Encodes a WAV to Opus RTP at real-time pace (ffmpeg -re) towards a local UDP port. */
export function streamOpusRtp(wav: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-i',
        wav,
        '-c:a',
        'libopus',
        '-b:a',
        '48k',
        '-application',
        'voip',
        '-frame_duration',
        '20',
        '-f',
        'rtp',
        `rtp://127.0.0.1:${port}?pkt_size=1200`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg encoder exited ${code}: ${stderr}`)),
    );
  });
}

export function toSamples(pcm: Buffer): Int16Array {
  const copy = Buffer.from(pcm.subarray(0, pcm.length - (pcm.length % 2)));
  return new Int16Array(copy.buffer, copy.byteOffset, copy.length / 2);
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** RMS per 10 ms frame at 16 kHz: the loudness contour, which survives Opus coding. */
export function envelope(samples: Int16Array, frame = 160): number[] {
  const out: number[] = [];
  for (let i = 0; i + frame <= samples.length; i += frame)
    out.push(rms(samples.subarray(i, i + frame)));
  return out;
}

/** Best Pearson correlation of two envelopes over lags up to maxLag frames (either way). */
export function bestCorrelation(
  a: number[],
  b: number[],
  maxLag: number,
): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      xs.push(a[i] ?? 0);
      ys.push(b[j] ?? 0);
    }
    if (xs.length < 50) continue;
    const r = pearson(xs, ys);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}
