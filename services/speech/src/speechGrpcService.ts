import { serverStreamHandler, unaryHandler, type Logger } from '@lm/kit';
import type {
  ListVoicesRequest,
  ListVoicesResponse,
  SpeechAudioChunk,
  SpeechServiceServer,
  SynthesizeRequest,
} from '@lm/proto/speech/v1/speech';
import type { SpeechService } from './SpeechService.js';

/** The SpeechService gRPC implementation (proto/lm/speech/v1) over a SpeechService. */
export function speechGrpcService(speech: SpeechService, logger: Logger): SpeechServiceServer {
  return {
    listVoices: unaryHandler<ListVoicesRequest, ListVoicesResponse>(logger, async () => ({
      voices: await speech.listVoices(),
    })),
    synthesize: serverStreamHandler<SynthesizeRequest, SpeechAudioChunk>(
      logger,
      (request, context) =>
        speech.synthesize(
          {
            text: request.text,
            ...(request.voiceId ? { voiceId: request.voiceId } : {}),
            ...(request.speed ? { speed: request.speed } : {}),
          },
          context.signal,
        ),
    ),
  };
}
