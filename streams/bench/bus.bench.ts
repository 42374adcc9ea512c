// npm run bench:bus — produce→consume hop latency and throughput of the bus at audio-chunk sizes:
// 3.2 KB chunks (100 ms of 16 kHz s16le mono) at 50 chunks/s per session, for 1, 4, 16 and 64
// sessions, each run a few seconds. MemoryBus always; KafkaBus too when KAFKA_BROKERS is set.
// Prints a table; there are no thresholds (numbers depend on the machine).
//   BENCH_SECONDS=5  BENCH_SESSIONS=1,4,16,64  KAFKA_BROKERS=127.0.0.1:19092
import { performance } from 'node:perf_hooks';
import { AudioChunk, AudioPurpose } from '@lm/proto/audio/v1/audio';
import { KafkaBus, MemoryBus, audioTopic, jsonLogger, type Bus } from '../src/index.js';

const CHUNK_BYTES = 3_200;
const CHUNKS_PER_SECOND = 50;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const sessionCounts = (process.env.BENCH_SESSIONS ?? '1,4,16,64').split(',').map(Number);
const brokers = process.env.KAFKA_BROKERS?.trim();

interface Row {
  bus: string;
  sessions: number;
  sent: number;
  received: number;
  msgsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const logger = jsonLogger('warn', { component: 'bench' });
const runId = Date.now().toString(36);

async function run(kind: 'memory' | 'kafka', sessions: number): Promise<Row> {
  const prefix = `bench-${runId}-${sessions}.`;
  const bus: Bus =
    kind === 'memory'
      ? new MemoryBus({ topicPrefix: prefix, logger })
      : new KafkaBus({
          brokers: brokers!.split(','),
          topicPrefix: prefix,
          logger,
          clientId: 'lm-bench',
        });
  try {
    await bus.ensureTopics([audioTopic]);
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let firstSend = 0;
    let lastReceive = 0;
    await bus.subscribe(audioTopic, { group: 'bench' }, (_chunk, delivery) => {
      const started = sentAt.get(delivery.id);
      if (started === undefined) return;
      lastReceive = performance.now();
      latencies.push(lastReceive - started);
      sentAt.delete(delivery.id);
    });

    const pcm = Buffer.alloc(CHUNK_BYTES, 7);
    // Warm-up, not measured: connections, producer id, first fetch positions.
    let warmedUp = 0;
    const warmUp = await bus.subscribe(audioTopic, { group: 'bench-warmup' }, () => {
      warmedUp++;
    });
    await bus.publish(
      audioTopic,
      Array.from({ length: sessions }, (_, s) =>
        AudioChunk.fromPartial({ sessionId: `bench-session-${s}`, streamId: 'warmup', pcm }),
      ),
    );
    while (warmedUp < sessions) await sleep(10);
    await warmUp.close();

    let sent = 0;
    let failed = 0;
    const timers: NodeJS.Timeout[] = [];
    const interval = 1000 / CHUNKS_PER_SECOND;
    firstSend = performance.now();
    for (let s = 0; s < sessions; s++) {
      const sessionId = `bench-session-${s}`;
      let sequence = 0;
      // Sessions start spread over one interval, as independent microphones would.
      const start = setTimeout(
        () => {
          timers.push(
            setInterval(() => {
              const chunk = AudioChunk.fromPartial({
                sessionId,
                streamId: 'mic',
                sequence: sequence++,
                startMs: sequence * interval,
                sampleRate: 16_000,
                pcm,
                capturedAtMs: Date.now(),
                purpose: AudioPurpose.AUDIO_PURPOSE_LECTURE,
              });
              sentAt.set(`${sessionId}/mic/${chunk.sequence}`, performance.now());
              sent++;
              bus.publish(audioTopic, chunk).catch(() => failed++);
            }, interval),
          );
        },
        (interval * s) / sessions,
      );
      timers.push(start);
    }
    await sleep(seconds * 1000);
    for (const timer of timers) clearInterval(timer);
    // Drain: wait until everything sent arrived (or give up after 15 s).
    const deadline = Date.now() + 15_000;
    while (latencies.length < sent - failed && Date.now() < deadline) await sleep(20);

    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return {
      bus: kind,
      sessions,
      sent,
      received: latencies.length,
      msgsPerSecond: latencies.length / ((lastReceive - firstSend) / 1000),
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1) ?? NaN,
    };
  } finally {
    await bus.close();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function table(rows: Row[]): string {
  const header = [
    'bus',
    'sessions',
    'offered msg/s',
    'sent',
    'received',
    'msgs/s',
    'p50 ms',
    'p99 ms',
    'max ms',
  ];
  const lines = rows.map((r) => [
    r.bus,
    String(r.sessions),
    String(r.sessions * CHUNKS_PER_SECOND),
    String(r.sent),
    String(r.received),
    r.msgsPerSecond.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.max.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [
    fmt(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(fmt),
  ].join('\n');
}

const kinds: ('memory' | 'kafka')[] = brokers ? ['memory', 'kafka'] : ['memory'];
const rows: Row[] = [];
for (const kind of kinds) {
  for (const sessions of sessionCounts) {
    process.stderr.write(`bench: ${kind}, ${sessions} session(s), ${seconds} s ...\n`);
    rows.push(await run(kind, sessions));
  }
}
process.stdout.write(
  `\nBus hop latency (publish → handler), ${CHUNK_BYTES} B AudioChunks at ${CHUNKS_PER_SECOND}/s per session, ${seconds} s per run\n\n`,
);
process.stdout.write(`${table(rows)}\n`);
if (!brokers) process.stdout.write('\n(KafkaBus skipped: KAFKA_BROKERS is not set)\n');
