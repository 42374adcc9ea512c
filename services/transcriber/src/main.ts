// The transcriber as its own process: consumes live audio from Kafka, publishes transcript
// segments, keeps stream checkpoints in PostgreSQL; liveness/readiness/metrics on its ops port.
import { join } from 'node:path';
import { openServiceDb } from '@lm/db';
import { loadConfig, startServiceRuntime } from '@lm/kit';
import { SileroStream, SileroVad, WhisperRecognizer } from '@lm/models';
import { createBus } from '@lm/streams';
import { transcriberConfigSchema, tutoringPolicyFromEnv } from './config.js';
import { DbCheckpointStore } from './DbCheckpointStore.js';
import { WhisperWordRecognizer } from './modelAdapters.js';
import { TranscriberMetrics } from './TranscriberMetrics.js';
import { TranscriberService } from './TranscriberService.js';

const config = loadConfig(transcriberConfigSchema);
const runtime = await startServiceRuntime({
  service: 'transcriber',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
});
const { logger, shutdown } = runtime;
const db = await openServiceDb(runtime, {
  databaseUrl: config.DATABASE_URL,
  dataDir: join(config.LM_DATA_DIR, 'pglite'),
});

const bus = createBus({ clientId: 'lm-transcriber', logger });
shutdown.add('bus', () => bus.close());
const whisper = await WhisperRecognizer.load(config.LM_WHISPER_MODEL, {
  threads: config.TRANSCRIBER_THREADS,
});
shutdown.add('whisper', () => whisper.close());
await whisper.warmUp();
const vad = await SileroVad.load();
shutdown.add('vad', () => vad.close());

const metrics = new TranscriberMetrics(runtime.metrics);
const transcriber = new TranscriberService({
  bus,
  recognizer: new WhisperWordRecognizer(whisper),
  createDetector: () => new SileroStream(vad),
  checkpoints: new DbCheckpointStore(db.kysely),
  logger,
  group: config.TRANSCRIBER_GROUP,
  tutoringPolicy: tutoringPolicyFromEnv(),
  onDecode: metrics.observe,
});
metrics.watch(transcriber);
await transcriber.start();
shutdown.add('transcriber', () => transcriber.close());
runtime.ready({ model: config.LM_WHISPER_MODEL, bus: bus.kind });
