// The library service as its own process: stores every final from the transcripts topic and
// serves stored transcripts over gRPC (lm.transcript.v1.TranscriptService).
import { Db } from '@lm/db';
import {
  GracefulShutdown,
  GrpcServer,
  HealthRegistry,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  startOpsServer,
} from '@lm/kit';
import { TranscriptServiceService } from '@lm/proto/transcript/v1/transcript';
import { createBus } from '@lm/streams';
import { libraryConfigSchema } from './config.js';
import { transcriptGrpcService } from './transcripts/transcriptGrpcService.js';
import { TranscriptPersister } from './transcripts/TranscriptPersister.js';
import { TranscriptStore } from './transcripts/TranscriptStore.js';

const config = loadConfig(libraryConfigSchema);
const logger = createLogger({ service: 'library', level: config.LOG_LEVEL });
const shutdown = new GracefulShutdown(logger);
shutdown.listen();

const health = new HealthRegistry();
const ops = await startOpsServer({
  host: config.OPS_HOST,
  port: config.OPS_PORT,
  health,
  metrics: createMetricsRegistry('library'),
});
shutdown.add('ops', () => ops.close());

const db = await Db.open({
  databaseUrl: config.DATABASE_URL,
  pgliteDir: config.DATABASE_URL ? undefined : `${config.LM_DATA_DIR}/pglite`,
});
shutdown.add('database', () => db.close());
await db.migrate();
health.register('database', () => db.ping());

const bus = createBus({ clientId: 'lm-library', logger });
shutdown.add('bus', () => bus.close());
const store = new TranscriptStore(db.kysely);
const persister = new TranscriptPersister(bus, store, logger);
await persister.start();
shutdown.add('persister', () => persister.close());

const grpc = new GrpcServer(logger);
grpc.addService(
  'lm.transcript.v1.TranscriptService',
  TranscriptServiceService,
  transcriptGrpcService(store, logger),
);
await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
shutdown.add('grpc', () => grpc.close());
shutdown.add('readiness', () => health.markShuttingDown());
logger.info({ bus: bus.kind, grpcPort: config.GRPC_PORT }, 'library running');
