import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWav } from '@lm/audio';
import { createLogger } from '@lm/kit';
import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';
import { audioTopic, createBus, silentLogger, type Bus } from '@lm/streams';
import { LectureRecorder } from '../src/LectureRecorder.js';
import { openLectureAudio } from '../src/lectureAudio.js';
import { RecordingStorage } from '../src/RecordingStorage.js';

const logger = createLogger({ service: 'lecture-recorder-test', level: 'silent' });

let dir: string;
let bus: Bus;
let storage: RecordingStorage;
let recorder: LectureRecorder;

/** `ms` milliseconds of a ramp that starts at `from` (distinct samples, so misplacement shows). */
function pcm(ms: number, from: number): Buffer {
  const samples = new Int16Array(ms * 16).map((_, i) => ((from + i) % 30_000) - 15_000);
  return Buffer.from(samples.buffer);
}

function chunk(fields: Partial<AudioChunk> & { startMs: number; sequence: number }): AudioChunk {
  return {
    sessionId: 'lecture-1',
    streamId: 'ingest-a',
    sampleRate: 16_000,
    pcm: Buffer.alloc(0),
    endOfStream: false,
    capturedAtMs: 0,
    endReason: '',
    purpose: AudioPurpose.AUDIO_PURPOSE_LECTURE,
    ...fields,
  };
}

async function start(maxBytesPerSession = 10_000_000): Promise<void> {
  recorder = new LectureRecorder({
    bus,
    storage,
    logger,
    maxBytesPerSession,
    headerIntervalMs: 50,
  });
  await recorder.start();
}

async function recordedSamples(sessionId = 'lecture-1'): Promise<Int16Array> {
  for (let i = 0; i < 100; i++) {
    const meta = join(dir, `${sessionId}.audio.json`);
    try {
      if ((JSON.parse(readFileSync(meta, 'utf8')) as { ended: boolean }).ended) break;
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return parseWav(readFileSync(storage.path(sessionId))).samples;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lm-lecture-audio-'));
  bus = createBus({ env: {}, logger: silentLogger });
  storage = new RecordingStorage(dir);
});
afterEach(async () => {
  await recorder?.close();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LectureRecorder', () => {
  it('places chunks at their stream time: gaps are silence, duplicates land on themselves', async () => {
    await bus.ensureTopics([audioTopic]);
    await start();
    const first = pcm(100, 0);
    const second = pcm(100, 1600);
    await bus.publish(audioTopic, [
      chunk({ sequence: 0, startMs: 0, pcm: first }),
      // 200 ms lost in between.
      chunk({ sequence: 1, startMs: 300, pcm: second }),
      // The first chunk again, as a resend under a new sequence number.
      chunk({ sequence: 2, startMs: 0, pcm: first }),
      chunk({ sequence: 3, startMs: 400, endOfStream: true, endReason: 'client' }),
    ]);
    const samples = await recordedSamples();
    expect(samples.length).toBe(400 * 16);
    expect(Buffer.from(samples.buffer, 0, first.length).equals(first)).toBe(true);
    expect(samples.subarray(1600, 4800).every((s) => s === 0)).toBe(true);
    expect(Buffer.from(samples.buffer, 4800 * 2, second.length).equals(second)).toBe(true);
  });

  it('records the first stream of a session only, and not tutoring audio', async () => {
    await bus.ensureTopics([audioTopic]);
    await start();
    const lecture = pcm(200, 0);
    await bus.publish(audioTopic, [
      chunk({ sequence: 0, startMs: 0, pcm: lecture }),
      chunk({ sequence: 0, startMs: 0, streamId: 'ingest-b', pcm: pcm(500, 9) }),
      chunk({
        sequence: 0,
        startMs: 0,
        sessionId: 'tutoring-1',
        purpose: AudioPurpose.AUDIO_PURPOSE_TUTOR,
        pcm: pcm(100, 0),
      }),
      chunk({ sequence: 1, startMs: 200, endOfStream: true }),
    ]);
    const samples = await recordedSamples();
    expect(Buffer.from(samples.buffer).equals(Buffer.from(lecture))).toBe(true);
    expect(await storage.size('tutoring-1')).toBeUndefined();
  });

  it('is readable while live, with a header that covers what is there', async () => {
    await bus.ensureTopics([audioTopic]);
    await start();
    await bus.publish(audioTopic, chunk({ sequence: 0, startMs: 0, pcm: pcm(300, 0) }));
    let audio: Awaited<ReturnType<typeof openLectureAudio>>;
    for (let i = 0; i < 100 && !(audio = await openLectureAudio(storage, 'lecture-1')); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(audio?.size).toBe(44 + 300 * 32);
    // The periodic patch brings the header on disk up to date too.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const onDisk = readFileSync(storage.path('lecture-1'));
    expect(onDisk.readUInt32LE(40)).toBe(300 * 32);
  });

  it('stops at the size limit', async () => {
    await bus.ensureTopics([audioTopic]);
    await start(44 + 250 * 32);
    await bus.publish(audioTopic, [
      chunk({ sequence: 0, startMs: 0, pcm: pcm(200, 0) }),
      chunk({ sequence: 1, startMs: 200, pcm: pcm(200, 3200) }),
      chunk({ sequence: 2, startMs: 400, pcm: pcm(200, 6400) }),
      chunk({ sequence: 3, startMs: 600, endOfStream: true }),
    ]);
    const samples = await recordedSamples();
    expect(samples.length).toBe(250 * 16);
  });
});
