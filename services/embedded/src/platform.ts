import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Db } from '@lm/db';
import {
  Gateway,
  CaptionFanout,
  SessionStore,
  gatewayConfigSchema,
  WEB_BASE,
  hasWebApp,
  registerPlatformRoutes,
  type MediaSignalingPort,
} from '@lm/gateway';
import { API_AUDIENCE, TokenPruner, createIdentity, seedDevData } from '@lm/identity';
import {
  HealthRegistry,
  LocalTokenIssuer,
  createMetricsRegistry,
  loadConfig,
  type Logger,
} from '@lm/kit';
import {
  LectureRecorder,
  RecordingJobs,
  RecordingStorage,
  lectureAudioDir,
  BATCH_WHISPER_OPTIONS,
  RecordingTranscriber,
  recordingsConfigSchema,
  recordingsDir,
} from '@lm/jobs';
import { TranscriptPersister, TranscriptStore } from '@lm/library';
import { MediaService, loadMediaConfig, type MediaNotification } from '@lm/media';
import { SileroStream, SileroVad, WhisperRecognizer } from '@lm/models';
import { audioTopic, createBus, topics, transcriptsTopic } from '@lm/streams';
import {
  DbCheckpointStore,
  TranscriberService,
  liveModelsFromEnv,
  loadLiveRecognizer,
  tutoringPolicyFromEnv,
} from '@lm/transcriber';
import { embeddedConfigSchema } from './config.js';
import { startTutoring } from './tutoring.js';

export interface EmbeddedPlatform {
  url: string;
  port: number;
  /** The live transcriber's decode counts and times (benchmarks: its real-time factor). */
  transcriberStats(): TranscriberService['stats'];
  close(): Promise<void>;
}

/** The web app built by scripts/setup/web.sh. */
const webDistDir = fileURLToPath(new URL('../../../clients/web/dist', import.meta.url));

const rootPackage = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as {
  version?: string;
};

/**
 * Every service in one process on embedded defaults: in-memory bus (Kafka when KAFKA_BROKERS is
 * set), PGlite (PostgreSQL when DATABASE_URL is set), local accounts, models from the cache.
 * Each service gets its dependencies through its constructor, as it would in its own process.
 */
export async function startEmbeddedPlatform(options: {
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<EmbeddedPlatform> {
  const { logger, env } = options;
  const gatewayConfig = loadConfig(gatewayConfigSchema, env);
  const config = loadConfig(embeddedConfigSchema, env);
  const publicUrl =
    config.LM_PUBLIC_URL ?? `http://${gatewayConfig.GATEWAY_HOST}:${gatewayConfig.GATEWAY_PORT}`;
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  const close = async () => {
    for (const c of closers.reverse()) {
      try {
        await c.close();
      } catch (error) {
        logger.error({ err: error, component: c.name }, 'close failed');
      }
    }
  };

  try {
    const health = new HealthRegistry();
    const metrics = createMetricsRegistry('embedded');

    const db = await Db.open({
      databaseUrl: config.DATABASE_URL,
      pgliteDir: join(config.LM_DATA_DIR, 'pglite'),
    });
    closers.push({ name: 'database', close: () => db.close() });
    await db.migrate();
    health.register('database', () => db.ping());

    const bus = createBus({
      env,
      logger: logger.child({ component: 'bus' }),
      clientId: 'lm-embedded',
    });
    closers.push({ name: 'bus', close: () => bus.close() });
    await bus.ensureTopics(Object.values(topics));

    const issuer = await LocalTokenIssuer.create({
      issuer: `${publicUrl}/auth`,
      audience: API_AUDIENCE,
      keyFile: join(config.LM_DATA_DIR, 'keys', 'token-signing.json'),
    });
    const identity = createIdentity({ db, logger, mode: 'local', issuer, logResetLinks: true });
    const pruner = new TokenPruner(identity.accounts, logger).start();
    closers.push({ name: 'token-pruner', close: () => pruner.stop() });
    if (config.LM_DEV_SEED) {
      const { created } = await seedDevData(identity);
      if (created.length > 0) logger.info({ created }, 'development accounts and course seeded');
    }

    const transcripts = new TranscriptStore(db.kysely);
    const persister = new TranscriptPersister(bus, transcripts, logger);
    await persister.start();
    closers.push({ name: 'transcript-persister', close: () => persister.close() });

    // Speech-to-text models (LM_WHISPER_MODEL, LM_WHISPER_DRAFT_MODEL): transcriber/src/config.ts.
    const models = liveModelsFromEnv(env);
    const live = await loadLiveRecognizer(models);
    closers.push({ name: 'whisper', close: () => live.close() });
    const vad = await SileroVad.load();
    closers.push({ name: 'vad', close: () => vad.close() });
    const transcriber = new TranscriberService({
      bus,
      recognizer: live.recognizer,
      draftFromStreams: models.draftFromStreams,
      createDetector: () => new SileroStream(vad),
      checkpoints: new DbCheckpointStore(db.kysely),
      logger,
      tutoringPolicy: tutoringPolicyFromEnv(env),
    });
    await transcriber.start();
    closers.push({ name: 'transcriber', close: () => transcriber.close() });

    // Recordings and batch transcription. The batch worker has its own whisper context (one
    // thread), so a long upload never queues in front of live captions' decodes.
    const recordingsConfig = loadConfig(recordingsConfigSchema, env);
    const recordingStorage = new RecordingStorage(recordingsDir(recordingsConfig));
    const recordings = new RecordingJobs({
      db,
      bus,
      storage: recordingStorage,
      logger,
      maxUploadBytes: recordingsConfig.LM_RECORDING_MAX_BYTES,
    });
    const batchWhisper = await WhisperRecognizer.load(models.model, {
      ...BATCH_WHISPER_OPTIONS,
      threads: 1,
    });
    closers.push({ name: 'batch-whisper', close: () => batchWhisper.close() });
    const recordingWorker = new RecordingTranscriber({
      bus,
      db,
      transcripts,
      storage: recordingStorage,
      recognizer: batchWhisper,
      vad,
      logger,
      maxDurationMs: recordingsConfig.LM_RECORDING_MAX_MINUTES * 60_000,
    });
    await recordingWorker.start();
    closers.push({ name: 'recording-worker', close: () => recordingWorker.close() });
    const lectureAudio = new RecordingStorage(lectureAudioDir(recordingsConfig));
    const lectureRecorder = new LectureRecorder({
      bus,
      storage: lectureAudio,
      logger,
      maxBytesPerSession: recordingsConfig.LM_LECTURE_AUDIO_MAX_BYTES,
    });
    await lectureRecorder.start();
    closers.push({ name: 'lecture-recorder', close: () => lectureRecorder.close() });
    // The in-memory bus forgets its messages on restart: jobs left unfinished are asked for again.
    if (bus.kind === 'memory')
      await recordings.requeueUnfinished({ olderThanMs: 0, includeRunning: true });

    let media: MediaSignalingPort | undefined;
    if (config.LM_MEDIA_ENABLED) {
      const service = await MediaService.start({
        config: loadMediaConfig(env),
        logger,
        sink: async (chunk) => {
          await bus.publish(audioTopic, chunk);
        },
      });
      closers.push({ name: 'media', close: () => service.close() });
      media = {
        openRoom: (sessionId) => service.openRoom(sessionId),
        handle: (context, raw) => service.signaling.handle(context, raw),
        leave: (context) => service.signaling.leave(context),
        onNotification: (listener) => {
          const handler = (event: { sessionId: string; notification: MediaNotification }) =>
            listener(event.sessionId, event.notification);
          service.on('notification', handler);
          return () => service.off('notification', handler);
        },
      };
    }

    const fanout = new CaptionFanout();
    const tail = await bus.tail(transcriptsTopic, (segment) => fanout.publish(segment));
    closers.push({ name: 'caption-tail', close: () => tail.close() });

    const sessions = new SessionStore(db.kysely);
    const gateway = new Gateway({
      config: gatewayConfig,
      logger: logger.child({ component: 'gateway' }),
      health,
      metrics,
      version: rootPackage.version ?? '0.0.0',
      mode: 'embedded',
      homePath: hasWebApp(webDistDir) ? WEB_BASE : undefined,
      components: [
        { name: 'bus', detail: bus.kind === 'kafka' ? 'Kafka' : 'in-memory (Kafka semantics)' },
        {
          name: 'database',
          detail: db.kind === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded PostgreSQL)',
        },
        { name: 'identity', detail: 'local accounts, tokens signed by the gateway' },
        {
          name: 'speech-to-text',
          detail: `${models.model} (whisper.cpp${models.draftModel ? `, drafts on ${models.draftModel} from ${models.draftFromStreams} streams` : ''}) with Silero VAD`,
        },
        {
          name: 'media',
          detail: media ? 'mediasoup WebRTC rooms' : 'disabled (WebSocket ingest only)',
        },
      ],
    });
    // Materials, tutor and speech: models loaded, voice tutoring on the bus (tutoring.ts).
    const tutoring = await startTutoring({ db, bus, env, dataDir: config.LM_DATA_DIR, logger });
    closers.push({ name: 'tutoring', close: () => tutoring.close() });
    registerPlatformRoutes(gateway, {
      ...tutoring.routes,
      logger,
      identity,
      sessions,
      transcripts,
      fanout,
      media,
      webDistDir,
      recordings,
      lectureAudio,
      publishAudio: async (chunk) => {
        await bus.publish(audioTopic, chunk);
      },
    });
    const port = await gateway.listen();
    closers.push({ name: 'gateway', close: () => gateway.close() });
    return {
      port,
      url: `http://${gatewayConfig.GATEWAY_HOST}:${port}`,
      transcriberStats: () => transcriber.stats,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
