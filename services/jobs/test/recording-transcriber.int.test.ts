import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '@lm/audio';
import { LECTURE_PASSAGES, synthesizeSpeech, wordErrorRate } from '@lm/audio/testing';
import { Db } from '@lm/db';
import { createLogger } from '@lm/kit';
import { TranscriptStore } from '@lm/library';
import { SileroVad, WhisperRecognizer } from '@lm/models';
import { JobState, type Job } from '@lm/proto/jobs/v1/jobs';
import { MemoryBus, jobsTopic, silentLogger } from '@lm/streams';
import { RecordingJobs } from '../src/RecordingJobs.js';
import { RecordingStorage } from '../src/RecordingStorage.js';
import { RecordingTranscriber } from '../src/RecordingTranscriber.js';
import { jobMessage } from '../src/jobMessages.js';

// Real ffmpeg, real Silero VAD, real whisper (base) on espeak-ng speech; PGlite and the in-memory
// bus (the embedded platform's own) underneath.
describe('RecordingTranscriber (real ffmpeg + VAD + whisper)', () => {
  const logger = createLogger({ service: 'jobs-test', level: 'silent' });
  const bus = new MemoryBus({ logger: silentLogger });
  const updates: Job[] = [];
  let db: Db;
  let dir: string;
  let whisper: WhisperRecognizer;
  let vad: SileroVad;
  let recordings: RecordingJobs;
  let worker: RecordingTranscriber;
  let transcripts: TranscriptStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lm-jobs-int-'));
    db = await Db.open({});
    await db.migrate();
    await bus.ensureTopics([jobsTopic]);
    await bus.tail(jobsTopic, (job) => {
      updates.push(job);
    });
    whisper = await WhisperRecognizer.load('whisper-base');
    vad = await SileroVad.load();
    const storage = new RecordingStorage(dir);
    transcripts = new TranscriptStore(db.kysely);
    recordings = new RecordingJobs({ db, bus, storage, logger });
    worker = new RecordingTranscriber({
      bus,
      db,
      transcripts,
      storage,
      recognizer: whisper,
      vad,
      logger,
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.close();
    await bus.close();
    await whisper.close();
    await vad.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function finished(jobId: string, timeoutMs = 100_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await recordings.job(jobId);
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.state}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  // Three passages with pauses between them: long enough for two whisper windows.
  const passages = LECTURE_PASSAGES.slice(0, 3);
  let recordingId = '';
  let jobId = '';
  let sessionId = '';
  let firstText = '';

  it('transcribes an uploaded recording in windows, with progress and word times', async () => {
    const speech = passages.map((text) => synthesizeSpeech(text));
    const pause = new Int16Array(16_000 * 3);
    const parts = speech.flatMap((s) => [pause, s.samples]);
    const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      samples.set(part, at);
      at += part.length;
    }
    const durationMs = (samples.length * 1000) / 16_000;
    expect(durationMs).toBeGreaterThan(30_000);

    const started = Date.now();
    const { recording, job } = await recordings.upload({
      ownerId: 'user-1',
      courseId: null,
      title: 'Three passages',
      contentType: 'audio/wav',
      body: Readable.from([encodeWav({ samples, sampleRate: 16_000, channels: 1 })]),
    });
    recordingId = recording.id;
    jobId = job.id;
    sessionId = recording.sessionId;
    const done = await finished(job.id);
    const elapsed = Date.now() - started;
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.progress).toBe(1);
    expect(done.attempt).toBe(1);
    console.log(
      `recording ${(durationMs / 1000).toFixed(1)} s transcribed in ${(elapsed / 1000).toFixed(1)} s (RTF ${(elapsed / durationMs).toFixed(2)})`,
    );

    const view = await recordings.recording(recordingId);
    expect(view.durationMs).toBeGreaterThan(durationMs - 100);
    const finals = await transcripts.finals(sessionId);
    expect(finals.length).toBeGreaterThan(1);
    firstText = finals.map((f) => f.text).join(' ');
    const wer = wordErrorRate(passages.join(' '), firstText);
    console.log(`WER ${(wer * 100).toFixed(1)} %: ${firstText}`);
    expect(wer).toBeLessThan(0.3);

    // Word times are recording time: ordered, inside the audio, after the first pause.
    const words = finals.flatMap((f) => f.words);
    expect(words.length).toBeGreaterThan(40);
    expect(words[0]!.startMs).toBeGreaterThanOrEqual(2_500);
    for (let i = 1; i < words.length; i++)
      expect(words[i]!.startMs).toBeGreaterThanOrEqual(words[i - 1]!.startMs - 1_000);
    expect(words.at(-1)!.endMs).toBeLessThanOrEqual(durationMs);
    // The second passage starts after the second pause (3 s + passage 1 + 3 s).
    const secondStart = 6_000 + speech[0]!.durationMs;
    const laterWords = words.filter((w) => w.startMs >= secondStart - 500);
    expect(laterWords.length).toBeGreaterThan(20);

    // Progress went up on the topic, running → succeeded, never backwards.
    await expect
      .poll(() =>
        updates.some((u) => u.jobId === jobId && u.state === JobState.JOB_STATE_SUCCEEDED),
      )
      .toBe(true);
    const mine = updates.filter((u) => u.jobId === jobId && u.state === JobState.JOB_STATE_RUNNING);
    expect(mine.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < mine.length; i++)
      expect(mine[i]!.progress).toBeGreaterThanOrEqual(mine[i - 1]!.progress);
  });

  it('skips a redelivered request of a job that already succeeded', async () => {
    const row = await db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    const request = jobMessage({ ...row, state: 'queued', progress: 0, attempt: 0 });
    const before = updates.length;
    await worker.handle(request, { attempt: 1 });
    const after = await db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(after.attempt).toBe(row.attempt);
    expect(after.updated_at.getTime()).toBe(row.updated_at.getTime());
    expect(updates.length).toBe(before);
  });

  it('runs a job again after a crash mid-job, keeping every final once', async () => {
    const finals = await transcripts.finals(sessionId);
    // As if the worker died after storing the first windows: the job is still running.
    await db.kysely
      .updateTable('jobs')
      .set({ state: 'running', progress: 0.4 })
      .where('id', '=', jobId)
      .execute();
    await db.kysely
      .deleteFrom('transcript_segments')
      .where('session_id', '=', sessionId)
      .where('segment_index', '>=', Math.floor(finals.length / 2))
      .execute();
    const row = await db.kysely
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    await worker.handle(jobMessage({ ...row, state: 'queued', attempt: 0, progress: 0 }), {
      attempt: 1,
    });
    const done = await recordings.job(jobId);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(2);
    const again = await transcripts.finals(sessionId);
    expect(again.map((f) => f.segmentIndex)).toEqual(finals.map((f) => f.segmentIndex));
    expect(again.map((f) => f.text).join(' ')).toBe(firstText);
  });

  it('fails a corrupt file with a stable code and a clear message', async () => {
    const garbage = Buffer.concat([
      Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'),
      Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 131 + 7) % 251)),
    ]);
    const { job } = await recordings.upload({
      ownerId: 'user-1',
      courseId: null,
      title: 'broken',
      contentType: 'audio/wav',
      body: Readable.from([garbage]),
    });
    const done = await finished(job.id, 30_000);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('unsupported_media_type');
    expect(done.error?.message).toMatch(/decod/i);
    expect(done.attempt).toBe(1);
  });

  it('gives silence an empty transcript without asking whisper to invent one', async () => {
    const silence = new Int16Array(16_000 * 20);
    const { recording, job } = await recordings.upload({
      ownerId: 'user-1',
      courseId: null,
      title: 'silence',
      contentType: 'audio/wav',
      body: Readable.from([encodeWav({ samples: silence, sampleRate: 16_000, channels: 1 })]),
    });
    const done = await finished(job.id, 30_000);
    expect(done.state).toBe('succeeded');
    expect(await transcripts.finals(recording.sessionId)).toEqual([]);
  });
});
