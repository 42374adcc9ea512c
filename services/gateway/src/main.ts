// The gateway as its own process (distributed mode): REST API, WebSockets (captions, ingest),
// identity from Keycloak (or local accounts), PostgreSQL and Kafka. Caption fan-out reads the
// transcripts topic once per gateway; audio from the ingest goes to the audio topic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Db } from '@lm/db';
import { API_AUDIENCE, TokenPruner, createIdentity } from '@lm/identity';
import {
  RecordingJobs,
  RecordingStorage,
  lectureAudioDir,
  recordingsConfigSchema,
  recordingsDir,
} from '@lm/jobs';
import {
  GracefulShutdown,
  HealthRegistry,
  JwksTokenVerifier,
  LocalTokenIssuer,
  createLogger,
  createMetricsRegistry,
  env,
  loadConfig,
  serviceAuthFromEnv,
  type ServiceTokenSource,
} from '@lm/kit';
import { TranscriptStore } from '@lm/library';
import { audioTopic, createBus, transcriptsTopic } from '@lm/streams';
import { CaptionFanout } from './captions/CaptionFanout.js';
import { gatewayConfigSchema } from './config.js';
import { Gateway } from './Gateway.js';
import { registerPlatformRoutes } from './platformRoutes.js';
import { remotePortsFromEnv } from './remote/remotePorts.js';
import { UserTokenContext } from './remote/UserTokenContext.js';
import { SessionStore } from './sessions/SessionStore.js';
import { connectMediaService } from './rtc/connectMediaService.js';

const distributedSchema = z.object({
  DATABASE_URL: z.string().min(1),
  /** Keycloak base URL reachable from this pod (JWKS); unset: local accounts signed by the gateway. */
  KEYCLOAK_URL: env.optionalUrl(),
  /** The URL users' browsers reach Keycloak at: the `iss` of their tokens (default KEYCLOAK_URL). */
  KEYCLOAK_PUBLIC_URL: env.optionalUrl(),
  KEYCLOAK_REALM: z.string().min(1).default('little-monster'),
  LM_PUBLIC_URL: env.optionalUrl(),
  LM_DATA_DIR: z.string().min(1).default('.lm'),
});

const gatewayConfig = loadConfig(gatewayConfigSchema);
const config = loadConfig(distributedSchema);
const logger = createLogger({ service: 'gateway', level: gatewayConfig.LOG_LEVEL });
const shutdown = new GracefulShutdown(logger);
shutdown.listen();

const db = await Db.open({ databaseUrl: config.DATABASE_URL });
shutdown.add('database', () => db.close());
await db.migrate();

const bus = createBus({ clientId: 'lm-gateway', logger });
shutdown.add('bus', () => bus.close());
await bus.ensureTopics([audioTopic, transcriptsTopic]);

let identity;
let keycloakIssuer: string | undefined;
// The gateway's own identity towards the services (client credentials, or its local signer).
let serviceTokens: () => ServiceTokenSource | undefined;
if (config.KEYCLOAK_URL) {
  const realm = encodeURIComponent(config.KEYCLOAK_REALM);
  keycloakIssuer = `${(config.KEYCLOAK_PUBLIC_URL ?? config.KEYCLOAK_URL).replace(/\/+$/, '')}/realms/${realm}`;
  const verifier = new JwksTokenVerifier({
    issuer: keycloakIssuer,
    audience: API_AUDIENCE,
    jwks: new URL(
      `${config.KEYCLOAK_URL.replace(/\/+$/, '')}/realms/${realm}/protocol/openid-connect/certs`,
    ),
  });
  identity = createIdentity({ db, logger, mode: 'keycloak', verifier });
  serviceTokens = () => serviceAuthFromEnv('gateway').tokens;
} else {
  const publicUrl =
    config.LM_PUBLIC_URL ?? `http://${gatewayConfig.GATEWAY_HOST}:${gatewayConfig.GATEWAY_PORT}`;
  const issuer = await LocalTokenIssuer.create({
    issuer: `${publicUrl}/auth`,
    audience: API_AUDIENCE,
    keyFile: join(config.LM_DATA_DIR, 'keys', 'token-signing.json'),
  });
  const localIdentity = createIdentity({ db, logger, mode: 'local', issuer });
  identity = localIdentity;
  serviceTokens = () => localIdentity.serviceTokens('lm-gateway');
}
const pruner = new TokenPruner(identity.accounts, logger).start();
shutdown.add('token-pruner', () => pruner.stop());

const health = new HealthRegistry();
health.register('database', () => db.ping());
const fanout = new CaptionFanout();
const tail = await bus.tail(transcriptsTopic, (segment) => fanout.publish(segment));
shutdown.add('caption-tail', () => tail.close());

const recordingsConfig = loadConfig(recordingsConfigSchema);
const recordings = new RecordingJobs({
  db,
  bus,
  storage: new RecordingStorage(recordingsDir(recordingsConfig)),
  logger,
  maxUploadBytes: recordingsConfig.LM_RECORDING_MAX_BYTES,
});

// WebRTC rooms live in the media service's own process when MEDIA_GRPC_ADDRESS names it.
const media = gatewayConfig.MEDIA_GRPC_ADDRESS
  ? connectMediaService({
      address: gatewayConfig.MEDIA_GRPC_ADDRESS,
      identity,
      keycloakUrl: config.KEYCLOAK_URL,
      realm: config.KEYCLOAK_REALM,
      clientSecret: gatewayConfig.LM_CLIENT_SECRET_GATEWAY,
      logger,
    })
  : undefined;
if (media) shutdown.add('media-client', () => media.close());

const users = new UserTokenContext();
const remote = remotePortsFromEnv({ tokens: serviceTokens, users, bus });
shutdown.add('service-clients', () => remote.close());

const rootPackage = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version?: string };
const gateway = new Gateway({
  config: gatewayConfig,
  logger,
  health,
  metrics: createMetricsRegistry('gateway'),
  version: rootPackage.version ?? '0.0.0',
  mode: 'distributed',
  components: [
    { name: 'bus', detail: bus.kind === 'kafka' ? 'Kafka' : 'in-memory' },
    { name: 'database', detail: 'PostgreSQL' },
    {
      name: 'identity',
      detail: keycloakIssuer ? `Keycloak (${keycloakIssuer})` : 'local accounts',
    },
    ...remote.names.map((detail) => ({ name: 'service', detail })),
  ],
});
users.install(gateway.app);
registerPlatformRoutes(gateway, {
  logger,
  identity,
  sessions: new SessionStore(db.kysely),
  transcripts: new TranscriptStore(db.kysely),
  fanout,
  media,
  recordings,
  // Written by the jobs service's LectureRecorder on the shared recordings volume.
  lectureAudio: new RecordingStorage(lectureAudioDir(recordingsConfig)),
  keycloakIssuer,
  publishAudio: async (chunk) => {
    await bus.publish(audioTopic, chunk);
  },
  library: remote.library,
  tutor: remote.tutor,
  speech: remote.speech,
});
await gateway.listen();
shutdown.add('gateway', () => gateway.close());
shutdown.add('readiness', () => health.markShuttingDown());
