// The library service as its own process: stores every final from the transcripts topic, serves
// stored transcripts (lm.transcript.v1.TranscriptService) and course materials with search
// (lm.library.v1.MaterialService) over gRPC — to platform services only, each call re-checked
// against the end user it acts for.
import { join } from 'node:path';
import { openServiceDb } from '@lm/db';
import { AccessPolicy } from '@lm/identity';
import {
  GrpcServer,
  loadConfig,
  serviceAuthFromEnv,
  startServiceRuntime,
  withCallerIdentity,
} from '@lm/kit';
import { MaterialServiceService } from '@lm/proto/library/v1/library';
import { TranscriptServiceService } from '@lm/proto/transcript/v1/transcript';
import { createBus } from '@lm/streams';
import { libraryConfigSchema } from './config.js';
import { MATERIAL_SERVICE_END_USER, materialGrpcService } from './grpc/materialGrpcService.js';
import { TranscriptOwners } from './grpc/TranscriptOwners.js';
import { openMaterialLibrary } from './materials/openMaterialLibrary.js';
import {
  TRANSCRIPT_SERVICE_END_USER,
  transcriptGrpcService,
} from './transcripts/transcriptGrpcService.js';
import { TranscriptPersister } from './transcripts/TranscriptPersister.js';
import { TranscriptStore } from './transcripts/TranscriptStore.js';

const config = loadConfig(libraryConfigSchema);
const auth = serviceAuthFromEnv('library');
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

const { library, vectors } = await openMaterialLibrary({
  db,
  qdrant: config,
  vectorsDir: join(config.LM_DATA_DIR, 'vectors'),
  logger,
  onClose: (name, close) => shutdown.add(name, close),
});

const access = new AccessPolicy(db);
const owners = new TranscriptOwners(db.kysely);
const grpc = new GrpcServer(logger);
grpc.addService(
  'lm.transcript.v1.TranscriptService',
  TranscriptServiceService,
  withCallerIdentity(
    TranscriptServiceService,
    transcriptGrpcService(store, logger, { access, owners }),
    { verifier: auth.verifier, logger, endUser: TRANSCRIPT_SERVICE_END_USER },
  ),
);
grpc.addService(
  'lm.library.v1.MaterialService',
  MaterialServiceService,
  withCallerIdentity(
    MaterialServiceService,
    materialGrpcService({
      library,
      transcripts: store,
      owners,
      access,
      logger,
      searchForUserClients: config.LIBRARY_SEARCH_FOR_USER_CLIENTS,
    }),
    { verifier: auth.verifier, logger, endUser: MATERIAL_SERVICE_END_USER },
  ),
);
await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
shutdown.add('grpc', () => grpc.close());
runtime.ready({
  bus: bus.kind,
  vectors: vectors.kind,
  grpcPort: config.GRPC_PORT,
  auth: auth.describe,
});
