// The jobs service as its own process: the batch transcription worker over the jobs topic and the
// lecture recorder (live lectures' audio from the audio topic into WAVs), with liveness, readiness
// and metrics on its ops port. Uploads arrive through the gateway (RecordingJobs), which shares the
// database and the recordings folder (lecture WAVs included) with this process.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openServiceDb } from '@lm/db';
import { loadConfig, startServiceRuntime } from '@lm/kit';
import { TranscriptStore } from '@lm/library';
import { SileroVad, WhisperRecognizer } from '@lm/models';
import { audioTopic, createBus, jobsTopic } from '@lm/streams';
import { jobsServiceConfigSchema, lectureAudioDir, recordingsDir } from './config.js';
import { LectureRecorder } from './LectureRecorder.js';
import { RecordingJobs } from './RecordingJobs.js';
import { RecordingStorage } from './RecordingStorage.js';
import { BATCH_WHISPER_OPTIONS, RecordingTranscriber } from './RecordingTranscriber.js';

const config = loadConfig(jobsServiceConfigSchema);
const runtime = await startServiceRuntime({
  service: 'jobs',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
});
const { logger, shutdown } = runtime;
const db = await openServiceDb(runtime, {
  databaseUrl: config.DATABASE_URL,
  dataDir: join(config.LM_DATA_DIR, 'pglite'),
});

// A job holds its partition until it has finished (the offset is committed afterwards), and
// kafkajs heartbeats only between messages: give members a session long enough for a job.
const env = { ...process.env };
env.KAFKA_SESSION_TIMEOUT_MS ||= String(10 * 60_000);
const bus = createBus({ env, clientId: 'lm-jobs', logger });
shutdown.add('bus', () => bus.close());
await bus.ensureTopics([jobsTopic, audioTopic]);

const storageDir = recordingsDir(config);
mkdirSync(storageDir, { recursive: true });
const whisper = await WhisperRecognizer.load(config.LM_WHISPER_MODEL, BATCH_WHISPER_OPTIONS);
shutdown.add('whisper', () => whisper.close());
const vad = await SileroVad.load();
shutdown.add('vad', () => vad.close());

const storage = new RecordingStorage(storageDir);
const worker = new RecordingTranscriber({
  bus,
  db,
  transcripts: new TranscriptStore(db.kysely),
  storage,
  recognizer: whisper,
  vad,
  logger,
  language: config.LM_TRANSCRIBE_LANGUAGE,
  maxDurationMs: config.LM_RECORDING_MAX_MINUTES * 60_000,
});
await worker.start();
shutdown.add('worker', () => worker.close());
// Shares the recordings volume with the gateway, which serves the WAVs (GET /api/sessions/:id/audio).
const recorder = new LectureRecorder({
  bus,
  storage: new RecordingStorage(lectureAudioDir(config)),
  logger,
  maxBytesPerSession: config.LM_LECTURE_AUDIO_MAX_BYTES,
});
await recorder.start();
shutdown.add('lecture-recorder', () => recorder.close());
// A gateway that died between committing a job and publishing its request left it queued.
const requeued = await new RecordingJobs({ db, bus, storage, logger }).requeueUnfinished({
  olderThanMs: 2 * 60_000,
});
if (requeued > 0) logger.warn({ requeued }, 'requests of queued jobs published again');
runtime.ready({ model: config.LM_WHISPER_MODEL, bus: bus.kind, recordings: storageDir });
