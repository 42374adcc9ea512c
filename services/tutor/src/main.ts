// The tutor as its own process (distributed mode): voice turns from the bus, text chat over
// gRPC. The embedded platform wires the same classes in one process instead.
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
import { MaterialLibrary, createVectorStore, libraryDb } from '@lm/library';
import { SentenceEmbedder, SileroStream, SileroVad } from '@lm/models';
import { TutorServiceService } from '@lm/proto/tutor/v1/tutor';
import { createBus } from '@lm/streams';
import { ConversationStore } from './ConversationStore.js';
import { tutorConfigSchema } from './config.js';
import { createLlm } from './createLlm.js';
import { TutorService } from './TutorService.js';
import { tutorDb } from './tables.js';
import { TUTOR_SERVICE_END_USER, tutorGrpcService } from './tutorGrpcService.js';
import { VoiceTutor } from './VoiceTutor.js';

const config = loadConfig(tutorConfigSchema);
const auth = serviceAuthFromEnv('tutor');
const runtime = await startServiceRuntime({
  service: 'tutor',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
});
const { logger, shutdown } = runtime;
const db = await openServiceDb(runtime, {
  databaseUrl: config.DATABASE_URL,
  dataDir: join(config.LM_DATA_DIR, 'db'),
});
const vectors = await createVectorStore({
  qdrantUrl: config.QDRANT_URL,
  qdrantApiKey: config.QDRANT_API_KEY,
  qdrantCollection: config.QDRANT_COLLECTION,
  pglite: db.pglite,
  // With PostgreSQL and no Qdrant, vectors stay in a PGlite folder of this process.
  dataDir: join(config.LM_DATA_DIR, 'vectors'),
});
shutdown.add('vectors', () => vectors.close());
const embedder = await SentenceEmbedder.load();
shutdown.add('embedder', () => embedder.close());
const library = new MaterialLibrary({ db: libraryDb(db.kysely), vectors, embedder, logger });
await library.init();
const store = new ConversationStore(tutorDb(db.kysely));
const llm = createLlm({
  ollamaUrl: config.OLLAMA_URL,
  ollamaModel: config.OLLAMA_MODEL,
  embedder,
  logger,
});
const tutor = new TutorService({ store, retriever: library, llm, logger });

const bus = createBus();
shutdown.add('bus', () => bus.close());
// Barge-in listens for the student's speech onset in the raw audio (see VoiceTutor).
const vad = await SileroVad.load();
shutdown.add('vad', () => vad.close());
const voice = new VoiceTutor({
  bus,
  tutor,
  store,
  logger,
  createSpeechDetector: () => new SileroStream(vad),
  endOfTurn: { unfinishedGraceMs: config.TUTOR_TURN_GRACE_MS },
});
await voice.start();
shutdown.add('voice', () => voice.stop());

const grpc = new GrpcServer(logger);
const tutorGrpc = tutorGrpcService({
  tutor,
  voice,
  access: new AccessPolicy(db),
  session: (id) =>
    db.kysely
      .selectFrom('live_sessions')
      .select(['course_id', 'created_by', 'kind'])
      .where('id', '=', id)
      .executeTakeFirst(),
  logger,
});
grpc.addService(
  'lm.tutor.v1.TutorService',
  TutorServiceService,
  withCallerIdentity(TutorServiceService, tutorGrpc, {
    verifier: auth.verifier,
    logger,
    endUser: TUTOR_SERVICE_END_USER,
  }),
);
await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
shutdown.add('grpc', () => grpc.close());

runtime.ready({ llm: llm.name, vectors: vectors.kind, bus: bus.kind, auth: auth.describe });
