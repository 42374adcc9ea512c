// The transcriber as its own process: consumes live audio from Kafka, publishes transcript
// segments, keeps stream checkpoints in PostgreSQL; liveness/readiness/metrics on its ops port.
import { Db } from '@lm/db';
import {
  GracefulShutdown,
  HealthRegistry,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  startOpsServer,
} from '@lm/kit';
import { SileroVad, WhisperRecognizer } from '@lm/models';
import { createBus } from '@lm/streams';
import { transcriberConfigSchema } from './config.js';
import { DbCheckpointStore } from './DbCheckpointStore.js';
import { SileroDetector, WhisperWordRecognizer } from './modelAdapters.js';
import { TranscriberService } from './TranscriberService.js';

const config = loadConfig(transcriberConfigSchema);
const logger = createLogger({ service: 'transcriber', level: config.LOG_LEVEL });
const shutdown = new GracefulShutdown(logger);
shutdown.listen();

const health = new HealthRegistry();
const ops = await startOpsServer({
  host: config.OPS_HOST,
  port: config.OPS_PORT,
  health,
  metrics: createMetricsRegistry('transcriber'),
});
shutdown.add('ops', () => ops.close());

const db = await Db.open({
  databaseUrl: config.DATABASE_URL,
  pgliteDir: config.DATABASE_URL ? undefined : `${config.LM_DATA_DIR}/pglite`,
});
shutdown.add('database', () => db.close());
await db.migrate();
health.register('database', () => db.ping());

const bus = createBus({ clientId: 'lm-transcriber', logger });
shutdown.add('bus', () => bus.close());

const whisper = await WhisperRecognizer.load(config.LM_WHISPER_MODEL, {
  threads: config.TRANSCRIBER_THREADS,
});
shutdown.add('whisper', () => whisper.close());
const vad = await SileroVad.load();
shutdown.add('vad', () => vad.close());

const transcriber = new TranscriberService({
  bus,
  recognizer: new WhisperWordRecognizer(whisper),
  createDetector: () => new SileroDetector(vad),
  checkpoints: new DbCheckpointStore(db.kysely),
  logger,
  group: config.TRANSCRIBER_GROUP,
});
await transcriber.start();
shutdown.add('transcriber', () => transcriber.close());
shutdown.add('readiness', () => health.markShuttingDown());
logger.info(
  { model: config.LM_WHISPER_MODEL, bus: bus.kind, opsPort: ops.port },
  'transcriber running',
);
