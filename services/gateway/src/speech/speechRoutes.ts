import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '@lm/kit';
import type { SpeechService } from '@lm/speech';
import { parseBody } from '../sessions/sessionRoutes.js';

/** What the routes use of the speech service (SpeechService of @lm/speech). */
export type SpeechPort = Pick<SpeechService, 'listVoices' | 'synthesizeWav'>;

export interface SpeechRoutesDeps {
  speech: SpeechPort;
  authenticate(request: FastifyRequest): Promise<Principal>;
}

const synthesizeBody = z.object({
  text: z.string().trim().min(1).max(2000),
  voiceId: z.string().max(100).optional(),
  speed: z.number().min(0.5).max(2).optional(),
});

/** Voices, and plain text to speech answering a WAV file (for any signed-in user). */
export function registerSpeechRoutes(app: FastifyInstance, deps: SpeechRoutesDeps): void {
  app.get('/api/speech/voices', async (request) => {
    await deps.authenticate(request);
    return { voices: await deps.speech.listVoices() };
  });

  app.post('/api/speech/synthesize', async (request, reply) => {
    await deps.authenticate(request);
    const body = parseBody(synthesizeBody, request.body);
    const { wav, sampleRate, durationMs } = await deps.speech.synthesizeWav({
      text: body.text,
      ...(body.voiceId ? { voiceId: body.voiceId } : {}),
      ...(body.speed ? { speed: body.speed } : {}),
    });
    return reply
      .type('audio/wav')
      .header('x-sample-rate', String(sampleRate))
      .header('x-duration-ms', String(Math.round(durationMs)))
      .send(wav);
  });
}
