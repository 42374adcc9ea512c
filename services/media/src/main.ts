// The media service as its own process (distributed mode): mediasoup rooms driven by the gateway
// over gRPC (lm.media.v1, calls must carry the gateway's service token); every audio producer is
// tapped into PCM chunks on the audio topic. On SIGTERM it stops taking new rooms and lets live
// ones finish for MEDIA_DRAIN_TIMEOUT_MS before closing them.
import {
  GrpcServer,
  loadConfig,
  serviceAuthFromEnv,
  startServiceRuntime,
  withCallerIdentity,
} from '@lm/kit';
import { MediaSignalingServiceService } from '@lm/proto/media/v1/media';
import { audioTopic, createBus } from '@lm/streams';
import { loadMediaConfig, mediaServiceConfigSchema } from './config.js';
import { mediaGrpcService } from './grpc/mediaGrpcService.js';
import { MediaService } from './MediaService.js';

const config = loadConfig(mediaServiceConfigSchema);
const mediaConfig = loadMediaConfig();
const runtime = await startServiceRuntime({
  service: 'media',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
  // Draining rooms, then the taps' last chunks and the bus: the rest of the shutdown needs seconds.
  shutdownDeadlineMs: config.MEDIA_DRAIN_TIMEOUT_MS + 20_000,
});
const { logger, shutdown, health } = runtime;

const bus = createBus({ clientId: 'lm-media', logger });
shutdown.add('bus', () => bus.close());
await bus.ensureTopics([audioTopic]);

const media = await MediaService.start({
  config: mediaConfig,
  logger,
  sink: async (chunk) => {
    await bus.publish(audioTopic, chunk);
  },
});
shutdown.add('media', () => media.close());
// The pool logs a dead worker at error level and its rooms close with 'worker-died' (their
// clients are told); a pool with no live worker left is not ready for new rooms.
media.on('workerdied', ({ pid, routers }) =>
  logger.error({ pid, rooms: routers }, 'media worker died: its rooms were closed'),
);
health.register('media-workers', () => {
  if (media.pool.workers.length === 0) throw new Error('no live mediasoup worker');
});

const grpc = new GrpcServer(logger);
grpc.addService(
  'lm.media.v1.MediaSignalingService',
  MediaSignalingServiceService,
  withCallerIdentity(
    MediaSignalingServiceService,
    mediaGrpcService(media, { logger, allowedClients: config.MEDIA_ALLOWED_CLIENTS }),
    { verifier: serviceAuthFromEnv('media').verifier, logger },
  ),
);
const grpcPort = await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
// Peer streams of browsers still connected end with the server; the rooms are closed by then.
shutdown.add('grpc', () => grpc.close(2000));
shutdown.add('drain', async () => {
  const left = await media.drain(config.MEDIA_DRAIN_TIMEOUT_MS);
  logger.info({ roomsLeft: left }, 'media drain finished');
});

runtime.ready({
  grpcPort,
  workers: media.pool.workers.length,
  bus: bus.kind,
  rtcPorts: `${mediaConfig.rtcMinPort}-${mediaConfig.rtcMaxPort}`,
});
