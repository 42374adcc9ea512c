// The speech service as its own process: speaks tutor replies from the bus, and serves the
// plain synthesize API over gRPC. The embedded platform wires the same classes in one process.
import {
  GrpcServer,
  loadConfig,
  serviceAuthFromEnv,
  startServiceRuntime,
  withCallerIdentity,
} from '@lm/kit';
import { SpeechServiceService } from '@lm/proto/speech/v1/speech';
import { createBus } from '@lm/streams';
import { speechConfigSchema } from './config.js';
import { PiperSynthesizer } from './PiperSynthesizer.js';
import { ReplySpeaker } from './ReplySpeaker.js';
import { SpeechService } from './SpeechService.js';
import { speechGrpcService } from './speechGrpcService.js';

const config = loadConfig(speechConfigSchema);
const auth = serviceAuthFromEnv('speech');
const runtime = await startServiceRuntime({
  service: 'speech',
  logLevel: config.LOG_LEVEL,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
});
const { logger, shutdown } = runtime;

const synthesizer = new PiperSynthesizer(config.SPEECH_VOICE);
await synthesizer.warm();
shutdown.add('voices', () => synthesizer.close());
const speech = new SpeechService(synthesizer);

const bus = createBus({ clientId: 'lm-speech', logger });
shutdown.add('bus', () => bus.close());
const speaker = new ReplySpeaker({ bus, synthesizer, logger, leadMs: config.SPEECH_LEAD_MS });
await speaker.start();
shutdown.add('speaker', () => speaker.stop());

const grpc = new GrpcServer(logger);
grpc.addService(
  'lm.speech.v1.SpeechService',
  SpeechServiceService,
  withCallerIdentity(SpeechServiceService, speechGrpcService(speech, logger), {
    verifier: auth.verifier,
    logger,
    // Speech holds no course data; a user token, when sent, must still be valid.
    endUser: 'optional',
  }),
);
await grpc.listen(config.GRPC_HOST, config.GRPC_PORT);
shutdown.add('grpc', () => grpc.close());

runtime.ready({ voice: config.SPEECH_VOICE, bus: bus.kind, auth: auth.describe });
