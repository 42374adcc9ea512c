// The transcriber as its own process: consumes live audio from Kafka, publishes transcript
// segments, keeps stream checkpoints in PostgreSQL; liveness/readiness/metrics on its ops port.
import { join } from 'node:path';
import { openServiceDb } from '@lm/db';
import { loadConfig, startServiceRuntime } from '@lm/kit';
import { SileroStream, SileroVad } from '@lm/models';
import { createBus } from '@lm/streams';
import { liveModelsFromEnv, transcriberConfigSchema, tutoringPolicyFromEnv } from './config.js';
import { DbCheckpointStore } from './DbCheckpointStore.js';
import { loadLiveRecognizer } from './modelAdapters.js';
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
const models = liveModelsFromEnv();
const live = await loadLiveRecognizer(models, { threads: config.TRANSCRIBER_THREADS });
shutdown.add('whisper', () => live.close());
const vad = await SileroVad.load();
shutdown.add('vad', () => vad.close());

const metrics = new TranscriberMetrics(runtime.metrics);
const transcriber = new TranscriberService({
  bus,
  recognizer: live.recognizer,
  draftFromStreams: models.draftFromStreams,
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
runtime.ready({ model: models.model, draftModel: models.draftModel ?? 'none', bus: bus.kind });
