// npm run bench:policy [-- --streams 1,2,4 --seconds 30 --model whisper-base --threads 2
//                          --draft-model whisper-tiny-en|none --draft-from 3
//                          --clock cpu|wall|model --set endSilenceMs=500,maxBufferMs=8000]
// Tunes the streaming policy without the platform around it: recordings of read speech are fed
// to StreamTranscriber on a simulated clock (100 ms chunks arriving at real-time pace) and every
// decode runs for real on the resident whisper model; the clock advances by the decode's cost.
// With `--clock cpu` (default) that cost is the decode's CPU time divided by its threads, so the
// figures hold up while other work shares the machine; `--clock wall` takes wall time (use it on
// a quiet machine). VAD and bus time are not counted: the end-to-end figures come from
// `npm run bench:captions`, which this does not replace.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { lectureRecording, normaliseWords, wordErrorRate } from '@lm/audio/testing';
import { SileroStream, SileroVad, WhisperRecognizer } from '@lm/models';
import { SegmentKind } from '@lm/proto/transcript/v1/transcript';
import { DRAFT_FROM_STREAMS, pickNextDecode, recognizeRequest } from '../src/DecodeScheduler.js';
import { WhisperWordRecognizer } from '../src/modelAdapters.js';
import { int16ToFloat32 } from '../src/PcmBuffer.js';
import {
  DEFAULT_STREAM_POLICY,
  StreamTranscriber,
  type DecodeJob,
  type StreamPolicy,
} from '../src/StreamTranscriber.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1,2,4' },
    seconds: { type: 'string', default: '30' },
    model: { type: 'string', default: 'whisper-base' },
    'draft-model': { type: 'string', default: 'whisper-tiny-en' },
    'draft-from': { type: 'string', default: String(DRAFT_FROM_STREAMS) },
    threads: { type: 'string', default: '2' },
    clock: { type: 'string', default: 'cpu' },
    set: { type: 'string', default: '' },
    verbose: { type: 'boolean', default: false },
  },
});
const levels = values.streams.split(',').map(Number);
const threads = Number(values.threads);
const policy: StreamPolicy = { ...DEFAULT_STREAM_POLICY };
for (const pair of values.set.split(',').filter(Boolean)) {
  const [key, value] = pair.split('=');
  if (!key || !(key in policy) || value === undefined)
    throw new Error(`unknown policy key ${pair}`);
  (policy as unknown as Record<string, number | string>)[key] =
    key === 'language' ? value : Number(value);
}
const CHUNK_MS = 100;
/**
 * Decode time (ms) against audio length, measured on this 2-core machine when it was quiet
 * (2 threads, trimmed audio context): `--clock model` uses it, so that figures do not depend
 * on whatever else runs — a loaded machine inflates even CPU time (ggml's threads spin).
 */
const DECODE_COST: Record<string, { fixedMs: number; msPerSecond: number }> = {
  // Greedy, 32-position margin, tinyBLAS encoder (decision 0024); median of 7 decodes per length.
  'whisper-base': { fixedMs: 62, msPerSecond: 39 },
  'whisper-tiny-en': { fixedMs: 42, msPerSecond: 17 },
};
function modelledDecodeMs(audioMs: number, model: string): number {
  const cost = DECODE_COST[model];
  if (!cost) throw new Error(`no decode cost model for ${model}; use --clock cpu or wall`);
  return cost.fixedMs + (cost.msPerSecond * Math.max(audioMs, 1100)) / 1000;
}
const fmt = (ms: number) => (ms / 1000).toFixed(2);
const CHUNK_SAMPLES = (16_000 * CHUNK_MS) / 1000;

// Drafts as the service makes them (decision 0025): `--draft-model none` or `--draft-from 0`
// decodes every partial on `--model`.
const draftModel = values['draft-model'] === 'none' ? undefined : values['draft-model'];
const draftFrom = draftModel ? Number(values['draft-from']) : 0;
const whisper = await WhisperRecognizer.load(values.model, { threads });
const draftWhisper = draftModel ? await WhisperRecognizer.load(draftModel, { threads }) : undefined;
const recognizer = new WhisperWordRecognizer(whisper, { draft: draftWhisper });
const vad = await SileroVad.load();
const recordings = Array.from({ length: Math.max(...levels) }, (_, i) =>
  lectureRecording(i, Number(values.seconds)),
);

/** A decode, for `--verbose`'s account of slow words. */
interface DecodeRecord {
  startedAt: number;
  doneAt: number;
  audioEndMs: number;
  words: string[];
}

interface Caption {
  kind: 'partial' | 'final';
  words: { text: string; startMs: number; endMs: number }[];
  text: string;
  atMs: number;
}

/** Runs `level` streams on one simulated clock; returns their captions. */
async function simulate(level: number) {
  const streams = recordings
    .slice(0, level)
    .map((_, i) => new StreamTranscriber('bench', `s${i}`, new SileroStream(vad), policy));
  const audio = recordings.slice(0, level).map((r) => int16ToFloat32(r.samples));
  const captions = streams.map((): Caption[] => []);
  const decodeLog = streams.map((): DecodeRecord[] => []);
  const sent = streams.map(() => 0);
  let now = 0;
  let running:
    | {
        stream: StreamTranscriber;
        index: number;
        job: DecodeJob;
        words: Awaited<ReturnType<typeof recognizer.recognize>>;
        doneAt: number;
      }
    | undefined;
  let busyMs = 0;
  const decodes = { partial: 0, final: 0 };
  let reusedFinals = 0;
  let decodedAudioMs = 0;
  for (;;) {
    // Audio that has arrived by now.
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i];
      const pcm = audio[i];
      if (!stream || !pcm) continue;
      while (sent[i]! < pcm.length && ((sent[i]! + CHUNK_SAMPLES) * 1000) / 16_000 <= now) {
        const start = sent[i]!;
        await stream.push(pcm.subarray(start, start + CHUNK_SAMPLES), (start * 1000) / 16_000, now);
        sent[i] = start + CHUNK_SAMPLES;
        if (sent[i]! >= pcm.length) stream.end();
      }
    }
    if (running && running.doneAt <= now) {
      const segments = running.stream.applyResult(running.job, running.words, running.doneAt);
      for (const s of segments) {
        captions[running.index]!.push({
          kind: s.kind === SegmentKind.SEGMENT_KIND_FINAL ? 'final' : 'partial',
          words: s.words,
          text: s.text,
          atMs: running.doneAt,
        });
      }
      running = undefined;
    }
    if (!running) {
      const next = pickNextDecode(streams, now);
      if (next) {
        const index = streams.indexOf(next.stream);
        const job = next.stream.takeJob(next.need);
        next.stream.lastServedAt = now;
        const cpu = process.cpuUsage();
        const wall = performance.now();
        const request = recognizeRequest(job, streams.length, draftFrom);
        const skipped = request === undefined;
        const words = request ? await recognizer.recognize(job.audio, request) : [];
        if (job.reuse) reusedFinals += 1;
        const used = process.cpuUsage(cpu);
        const cost = skipped
          ? 0
          : values.clock === 'wall'
            ? performance.now() - wall
            : values.clock === 'model'
              ? modelledDecodeMs(
                  (job.audio.length * 1000) / 16_000,
                  request?.draft && draftModel ? draftModel : values.model,
                )
              : (used.user + used.system) / 1000 / threads;
        busyMs += cost;
        decodes[job.kind] += 1;
        decodedAudioMs += (job.audio.length * 1000) / 16_000;
        if (values.verbose)
          console.log(
            `  ${fmt(now)} ${next.stream.streamId} ${next.need} ${fmt(job.bufferStartMs)}–${fmt(job.audioEndMs)} (${fmt((job.audio.length * 1000) / 16_000)} s) → ${Math.round(cost)} ms: ${words.map((w) => w.text).join(' ')}`,
          );
        running = { stream: next.stream, index, job, words, doneAt: now + cost };
        if (!skipped)
          decodeLog[index]?.push({
            startedAt: now,
            doneAt: now + cost,
            audioEndMs: job.audioEndMs,
            words: words.map((w) => normaliseWords(w.text).join(' ')),
          });
        continue;
      }
    }
    const allSent = sent.every((n, i) => n >= (audio[i]?.length ?? 0));
    if (allSent && !running && streams.every((s) => s.isIdle)) break;
    const nextChunk = Math.min(
      ...sent.map((n, i) =>
        n < (audio[i]?.length ?? 0) ? ((n + CHUNK_SAMPLES) * 1000) / 16_000 : Infinity,
      ),
    );
    const nextStep = Math.min(nextChunk, running?.doneAt ?? Infinity);
    // Nothing scheduled: a retry back-off or the end; step the clock by a chunk.
    now = Number.isFinite(nextStep) ? Math.max(nextStep, now) : now + CHUNK_MS;
  }
  return { captions, decodeLog, busyMs, decodes, reusedFinals, decodedAudioMs, durationMs: now };
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Why a word was slow: the first decode that saw it (its audio reaching past the word) started
 * late (`waited`), or decodes saw it and heard something else (`misheard` by so many).
 */
function slowReason(word: { text: string; endMs: number }, log: DecodeRecord[], shownAt: number) {
  const key = normaliseWords(word.text).join(' ');
  const seen = log.filter((d) => d.audioEndMs >= word.endMs && d.doneAt <= shownAt);
  const first = seen[0];
  if (!first) return 'never decoded before shown';
  const missed = seen.filter((d) => !d.words.includes(key)).length;
  return `first decode seeing it started +${fmt(first.startedAt - word.endMs)} s; ${missed} of ${seen.length} decodes misheard it`;
}

function latencies(
  captions: Caption[],
  stream = 0,
  log: DecodeRecord[] = [],
): { partial: number[]; final: number[] } {
  const partial: number[] = [];
  const final: number[] = [];
  for (const f of captions.filter((c) => c.kind === 'final')) {
    for (const word of f.words) {
      const key = normaliseWords(word.text).join(' ');
      const first = captions.find((c) =>
        c.words.some(
          (w) =>
            normaliseWords(w.text).join(' ') === key && Math.abs(w.startMs - word.startMs) < 700,
        ),
      );
      if (first) partial.push(first.atMs - word.endMs);
      if (values.verbose && (!first || first.atMs - word.endMs > 1500))
        console.log(
          `  slow word s${stream} "${word.text}" spoken ${fmt(word.endMs)}: first shown ${first ? fmt(first.atMs) : 'never'}, final ${fmt(f.atMs)}; ${slowReason(word, log, first?.atMs ?? f.atMs)}`,
        );
      final.push(f.atMs - word.endMs);
    }
  }
  return { partial, final };
}

const overrides = values.set ? ` (${values.set})` : '';
console.log(
  `policy benchmark: ${values.model}${draftModel ? ` (drafts on ${draftModel} from ${draftFrom} streams)` : ''}, ${threads} threads, ${values.clock} clock, ${values.seconds} s streams${overrides}, load ${loadavg()[0]?.toFixed(2)}`,
);
console.log(
  'streams | partial p50 / p95 (s) | final p50 / p95 (s) | WER   | decodes P/F (reused) | mean decode | model busy',
);
for (const level of levels) {
  const run = await simulate(level);
  const all = run.captions.map((c, i) => latencies(c, i, run.decodeLog[i]));
  const partial = all.flatMap((l) => l.partial);
  const final = all.flatMap((l) => l.final);
  const wers = run.captions.map((c, i) =>
    wordErrorRate(
      recordings[i]?.text ?? '',
      c
        .filter((x) => x.kind === 'final')
        .map((x) => x.text)
        .join(' '),
    ),
  );
  if (values.verbose) {
    run.captions.forEach((c, i) => {
      console.log(`reference ${i}: ${recordings[i]?.text ?? ''}`);
      for (const x of c.filter((y) => y.kind === 'final'))
        console.log(
          `  final @${fmt(x.atMs)} [${fmt(x.words[0]?.startMs ?? 0)}–${fmt(x.words.at(-1)?.endMs ?? 0)}] ${x.text}`,
        );
    });
  }
  const wer = wers.reduce((a, b) => a + b, 0) / wers.length;
  const count = run.decodes.partial + run.decodes.final - run.reusedFinals;
  console.log(
    `${String(level).padStart(7)} | ${fmt(percentile(partial, 50))} / ${fmt(percentile(partial, 95))}`.padEnd(
      32,
    ) +
      ` | ${fmt(percentile(final, 50))} / ${fmt(percentile(final, 95))}`.padEnd(22) +
      ` | ${(wer * 100).toFixed(1).padStart(4)}% | ${`${run.decodes.partial}/${run.decodes.final} (${run.reusedFinals})`.padStart(20)} | ${Math.round(run.busyMs / count)} ms / ${(run.decodedAudioMs / count / 1000).toFixed(1)} s | ${((100 * run.busyMs) / run.durationMs).toFixed(0)}%`,
  );
}
await whisper.close();
await draftWhisper?.close();
process.exit(0);
