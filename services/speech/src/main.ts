// The speech service as its own process: speaks tutor replies from the bus, and serves the
// plain synthesize API over gRPC. The embedded platform wires the same classes in one process.
import {
  GracefulShutdown,
  GrpcServer,
  HealthRegistry,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  startOpsServer,
} from '@lm/kit';
import { SpeechServiceService } from '@lm/proto/speech/v1/speech';
import { createBus } from '@lm/streams';
import { speechConfigSchema } from './config.js';
import { PiperSynthesizer } from './PiperSynthesizer.js';
import { ReplySpeaker } from './ReplySpeaker.js';
import { SpeechService } from './SpeechService.js';
import { speechGrpcService } from './speechGrpcService.js';

const config = loadConfig(speechConfigSchema);
const logger = createLogger({ service: 'speech', level: config.LOG_LEVEL });
const shutdown = new GracefulShutdown(logger);
shutdown.listen();

const synthesizer = new PiperSynthesizer(config.SPEECH_VOICE);
await synthesizer.warm();
shutdown.add('voices', () => synthesizer.close());
const speech = new SpeechService(synthesizer);

const bus = createBus();
shutdown.add('bus', () => bus.close());
const speaker = new ReplySpeaker({ bus, synthesizer, logger, leadMs: config.SPEECH_LEAD_MS });
await speaker.start();
shutdown.add('speaker', () => speaker.stop());

const grpc = new GrpcServer(logger);
grpc.addService(
  'lm.speech.v1.SpeechService',
  SpeechServiceService,
  speechGrpcService(speech, logger),
);
await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
shutdown.add('grpc', () => grpc.close());

const health = new HealthRegistry();
const ops = await startOpsServer({
  host: config.OPS_HOST,
  port: config.OPS_PORT,
  health,
  metrics: createMetricsRegistry('speech'),
});
shutdown.add('ops', () => ops.close());
shutdown.add('readiness', () => health.markShuttingDown());
logger.info({ voice: config.SPEECH_VOICE, bus: bus.kind }, 'speech ready');
