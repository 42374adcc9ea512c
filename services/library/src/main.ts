// The library service as its own process: stores every final from the transcripts topic and
// serves stored transcripts over gRPC (lm.transcript.v1.TranscriptService).
import { join } from 'node:path';
import { openServiceDb } from '@lm/db';
import { GrpcServer, loadConfig, startServiceRuntime } from '@lm/kit';
import { TranscriptServiceService } from '@lm/proto/transcript/v1/transcript';
import { createBus } from '@lm/streams';
import { libraryConfigSchema } from './config.js';
import { transcriptGrpcService } from './transcripts/transcriptGrpcService.js';
import { TranscriptPersister } from './transcripts/TranscriptPersister.js';
import { TranscriptStore } from './transcripts/TranscriptStore.js';

const config = loadConfig(libraryConfigSchema);
const runtime = await startServiceRuntime({
  service: 'library',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
});
const { logger, shutdown } = runtime;
const db = await openServiceDb(runtime, {
  databaseUrl: config.DATABASE_URL,
  dataDir: join(config.LM_DATA_DIR, 'pglite'),
});

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
runtime.ready({ bus: bus.kind, grpcPort: config.GRPC_PORT });
