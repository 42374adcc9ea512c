// npm run bench:soak [-- --minutes 60 --sample 60]
// One long live stream, to see whether the platform's memory stays flat: the embedded platform
// runs in a child process (as the README's run command starts it), one lecture recording is
// played into a live session over the WebSocket ingest at real-time pace, looped for the whole
// run, and a viewer reads the captions. Every --sample seconds it prints the platform's resident
// memory, the captions received and how far the newest final lags the audio; at the end, the
// growth of resident memory over the second half of the run (the first minutes include model
// loading and JIT warm-up).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lectureRecording } from '@lm/audio/testing';
import { GatewayClient } from '@lm/cli';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    sample: { type: 'string', default: '60' },
  },
});
const runMs = Number(values.minutes) * 60_000;
const sampleMs = Number(values.sample) * 1000;
const FRAME_MS = 100;
const FRAME_BYTES = (16_000 * 2 * FRAME_MS) / 1000;

const port = 20_000 + Math.floor(Math.random() * 20_000);
const url = `http://127.0.0.1:${port}`;
const platform = spawn(
  process.execPath,
  ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts')],
  {
    env: {
      ...process.env,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      LM_MEDIA_ENABLED: 'false',
      LM_DATA_DIR: mkdtempSync(join(tmpdir(), 'lm-soak-')),
      KAFKA_BROKERS: '',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const stop = () => platform.kill('SIGTERM');
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const client = new GatewayClient(url);
for (let attempt = 0; ; attempt++) {
  try {
    await client.login('lecturer@example.test', 'lecturer-dev-password');
    break;
  } catch (error) {
    if (attempt > 300) throw error;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
const session = await client.createSession({ title: 'soak', kind: 'lecture' });
const viewer = await client.openSocket(`/ws/captions/${session.id}`);
let finals = 0;
let partials = 0;
let newestFinalEndMs = 0;
viewer.on('message', (data: Buffer) => {
  const frame = JSON.parse(data.toString('utf8')) as {
    type: string;
    caption?: { kind: string; endMs: number; text: string };
  };
  if (frame.type !== 'caption' || !frame.caption) return;
  if (frame.caption.kind === 'final' && frame.caption.text) {
    finals += 1;
    newestFinalEndMs = Math.max(newestFinalEndMs, frame.caption.endMs);
  } else if (frame.caption.kind === 'partial') partials += 1;
});
const ingest = await client.openSocket(`/ws/ingest/${session.id}?format=pcm16`);
const recording = lectureRecording(0, 120);
const pcm = Buffer.from(
  recording.samples.buffer,
  recording.samples.byteOffset,
  recording.samples.byteLength,
);

const samples: { minute: number; rss: number }[] = [];
console.log(
  `soak: one live stream for ${values.minutes} min at real-time pace against ${url} (platform pid ${platform.pid})`,
);
console.log('minute | platform RSS MB | finals | partials | newest final lags audio by (s)');
const started = Date.now();
let nextSample = started + sampleMs;
for (let frame = 0; Date.now() - started < runMs; frame++) {
  const wait = started + frame * FRAME_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const offset = (frame * FRAME_BYTES) % (pcm.length - (pcm.length % FRAME_BYTES));
  await new Promise<void>((resolve, reject) =>
    ingest.send(pcm.subarray(offset, offset + FRAME_BYTES), (e) => (e ? reject(e) : resolve())),
  );
  if (Date.now() >= nextSample) {
    nextSample += sampleMs;
    const minute = (Date.now() - started) / 60_000;
    const rss = rssMb(platform.pid ?? 0);
    samples.push({ minute, rss });
    const lag = (frame * FRAME_MS - newestFinalEndMs) / 1000;
    console.log(
      `${minute.toFixed(1).padStart(6)} | ${rss.toFixed(0).padStart(15)} | ${String(finals).padStart(6)} | ${String(partials).padStart(8)} | ${lag.toFixed(1)}`,
    );
  }
}
ingest.send(JSON.stringify({ type: 'end' }));
await new Promise((r) => setTimeout(r, 5000));
const half = samples.filter((s) => s.minute >= Number(values.minutes) / 2);
const first = half[0];
const last = half.at(-1);
if (first && last && last !== first) {
  const perHour = ((last.rss - first.rss) / (last.minute - first.minute)) * 60;
  console.log(
    `second half: RSS ${first.rss.toFixed(0)} → ${last.rss.toFixed(0)} MB (${perHour >= 0 ? '+' : ''}${perHour.toFixed(1)} MB per hour); peak ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MB`,
  );
}
await client.endSession(session.id).catch(() => undefined);
stop();
process.exit(0);
