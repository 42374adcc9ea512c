/**
 * Speed of every model on this machine: latency and real-time factor (processing time / audio
 * time; below 1 is faster than real time). Run: npm run bench:models
 * Test audio is made with espeak-ng and sox, like the integration tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PiperVoice,
  SentenceEmbedder,
  SileroVad,
  WhisperNodeBatch,
  WhisperRecognizer,
} from '../src/index.js';
import { speak16k } from '../test/audio.js';

const dir = mkdtempSync(join(tmpdir(), 'lm-bench-'));
const rows: string[][] = [['model', 'runtime', 'input', 'median latency', 'RTF']];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function row(model: string, runtime: string, input: string, ms: number, audioS?: number): void {
  rows.push([
    model,
    runtime,
    input,
    `${ms.toFixed(0)} ms`,
    audioS ? (ms / 1000 / audioS).toFixed(3) : '-',
  ]);
  console.error(rows.at(-1)?.join('  '));
}

function clip(pcm: Float32Array, seconds: number): Float32Array {
  const out = new Float32Array(seconds * 16000);
  for (let i = 0; i < out.length; i++) out[i] = pcm[i % pcm.length] ?? 0;
  return out;
}

try {
  const long = speak16k(
    dir,
    'long',
    'Good morning everyone. Today we continue with the second law of thermodynamics, and then we look at entropy in everyday systems such as engines and refrigerators.',
  );
  const chunk3 = long.subarray(0, 3 * 16000);
  const chunk10 = clip(long, 10);

  for (const id of ['whisper-base', 'whisper-tiny-en']) {
    const w = await WhisperRecognizer.load(id);
    row(id, 'smart-whisper (resident)', '3 s chunk', await time(5, () => w.recognize(chunk3)), 3);
    row(id, 'smart-whisper (resident)', '10 s clip', await time(3, () => w.recognize(chunk10)), 10);
    await w.close();
    const b = await WhisperNodeBatch.load(id);
    row(
      id,
      'whisper-node (reload per call)',
      '3 s chunk',
      await time(3, () => b.transcribe(chunk3)),
      3,
    );
    row(
      id,
      'whisper-node (reload per call)',
      '10 s clip',
      await time(2, () => b.transcribe(chunk10)),
      10,
    );
  }

  const vad = await SileroVad.load();
  const stream = vad.createStream();
  const frames = clip(long, 10);
  row(
    'silero-vad-v5',
    'onnxruntime-node',
    '10 s (312 frames)',
    await time(3, () => vad.processAll(stream, frames)),
    10,
  );

  const voice = await PiperVoice.load();
  const text =
    'The mitochondria is the powerhouse of the cell, and it makes most of the energy the cell uses.';
  const spoken = await voice.synthesize(text);
  const seconds = spoken.pcm.length / spoken.sampleRate;
  row(
    'piper-en-us-joe-medium',
    'onnxruntime-node + espeak-ng',
    `${seconds.toFixed(1)} s of speech`,
    await time(3, () => voice.synthesize(text)),
    seconds,
  );

  const embedder = await SentenceEmbedder.load();
  const sentences = Array.from(
    { length: 32 },
    (_, i) => `Sentence number ${i} about lecture topics such as algebra, biology and history.`,
  );
  const ms = await time(3, () => embedder.embed(sentences));
  row('minilm-l6-v2', 'onnxruntime-node', '32 sentences', ms);
  rows.push(['', '', '', `${(ms / 32).toFixed(1)} ms / sentence`, '']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
