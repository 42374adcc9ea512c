// The tutor as its own process (distributed mode): voice turns from the bus, text chat over
// gRPC, passages from the library service (LIBRARY_GRPC_ADDRESS) — or, without that address, a
// library of its own (single-process use). The embedded platform wires the same classes in one
// process instead, with its in-process library.
import { join } from 'node:path';
import { openServiceDb } from '@lm/db';
import { AccessPolicy } from '@lm/identity';
import {
  AppError,
  GrpcServer,
  loadConfig,
  serviceAuthFromEnv,
  startServiceRuntime,
  withCallerIdentity,
} from '@lm/kit';
import { openMaterialLibrary } from '@lm/library';
import { SentenceEmbedder, SileroStream, SileroVad } from '@lm/models';
import { TutorServiceService } from '@lm/proto/tutor/v1/tutor';
import { createBus } from '@lm/streams';
import { ConversationStore } from './ConversationStore.js';
import { tutorConfigSchema } from './config.js';
import { createLlm } from './createLlm.js';
import { LibraryRetriever } from './remote/LibraryRetriever.js';
import { TutorService, type PassageRetriever } from './TutorService.js';
import { tutorDb } from './tables.js';
import { TUTOR_SERVICE_END_USER, tutorGrpcService } from './tutorGrpcService.js';
import { VoiceTutor } from './VoiceTutor.js';

const config = loadConfig(tutorConfigSchema);
const auth = serviceAuthFromEnv('tutor');
// Searching the library for a student (voice turns carry no user token) needs the tutor's own
// identity, which only Keycloak gives a service other than the gateway.
if (config.LIBRARY_GRPC_ADDRESS && !auth.tokens)
  throw new AppError(
    'invalid_argument',
    'Invalid configuration: LIBRARY_GRPC_ADDRESS is set, and searching the library needs the ' +
      'tutor’s identity — set KEYCLOAK_URL and LM_CLIENT_SECRET_TUTOR (client lm-tutor)',
  );
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

let retriever: PassageRetriever;
let retrieval: string;
let embedder: SentenceEmbedder | undefined;
if (config.LIBRARY_GRPC_ADDRESS && auth.tokens) {
  // The materials live where the library service keeps them: no vector store here.
  const library = new LibraryRetriever({
    address: config.LIBRARY_GRPC_ADDRESS,
    tokens: auth.tokens,
    deadlineMs: config.TUTOR_RETRIEVAL_TIMEOUT_MS,
  });
  shutdown.add('library-client', () => library.close());
  retriever = library;
  retrieval = `library service (${config.LIBRARY_GRPC_ADDRESS})`;
} else {
  const opened = await openMaterialLibrary({
    db,
    qdrant: config,
    vectorsDir: join(config.LM_DATA_DIR, 'vectors'),
    logger,
    onClose: (name, close) => shutdown.add(name, close),
  });
  embedder = opened.embedder;
  const { library, vectors } = opened;
  retriever = library;
  retrieval = `own library (${vectors.kind})`;
}
logger.info(
  { retrieval },
  config.LIBRARY_GRPC_ADDRESS
    ? 'tutor retrieves passages through the library service'
    : 'tutor retrieves passages from a library of its own (no LIBRARY_GRPC_ADDRESS)',
);
// The embedded LLM (extractive tutor) ranks sentences by meaning: it keeps an embedder even
// when the library is remote.
if (!embedder && !config.OLLAMA_URL) {
  const loaded = await SentenceEmbedder.load();
  shutdown.add('embedder', () => loaded.close());
  embedder = loaded;
}
const store = new ConversationStore(tutorDb(db.kysely));
const llm = createLlm({
  ollamaUrl: config.OLLAMA_URL,
  ollamaModel: config.OLLAMA_MODEL,
  embedder,
  logger,
});
const tutor = new TutorService({ store, retriever, llm, logger });

const bus = createBus({ clientId: 'lm-tutor', logger });
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

runtime.ready({ llm: llm.name, retrieval, bus: bus.kind, auth: auth.describe });
