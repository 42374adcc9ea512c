import { credentials } from '@grpc/grpc-js';
import { encodeWav } from '@lm/audio';
import { callUnary } from '@lm/kit';
import { SpeechServiceClient, type Voice } from '@lm/proto/speech/v1/speech';
import type { SynthesizeInput } from '@lm/speech';
import type { SpeechPort } from '../speech/speechRoutes.js';
import type { RemoteCallAuth } from './RemoteCallAuth.js';
import { serverStream } from './serverStream.js';

/** The speech service (lm.speech.v1.SpeechService) as the routes' SpeechPort. */
export class RemoteSpeech implements SpeechPort {
  private readonly client: SpeechServiceClient;

  constructor(
    address: string,
    private readonly auth: RemoteCallAuth,
  ) {
    this.client = new SpeechServiceClient(address, credentials.createInsecure());
  }

  async listVoices(): Promise<Voice[]> {
    const response = await callUnary(
      this.client.listVoices.bind(this.client),
      {},
      { metadata: await this.auth.forUser() },
    );
    return response.voices;
  }

  /** The streamed synthesis gathered into one WAV file. */
  async synthesizeWav(
    input: SynthesizeInput,
  ): Promise<{ wav: Buffer; sampleRate: number; durationMs: number }> {
    const parts: Buffer[] = [];
    let sampleRate = 22050;
    for await (const chunk of serverStream(
      (request, metadata) => this.client.synthesize(request, metadata),
      { text: input.text, voiceId: input.voiceId ?? '', speed: input.speed ?? 0 },
      await this.auth.forUser(),
      AbortSignal.timeout(120_000),
    )) {
      if (chunk.sampleRate) sampleRate = chunk.sampleRate;
      if (chunk.pcm.byteLength > 0) parts.push(chunk.pcm);
    }
    const pcm = Buffer.concat(parts);
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.byteLength / 2));
    return {
      wav: encodeWav({ sampleRate, channels: 1, samples: Int16Array.from(samples) }),
      sampleRate,
      durationMs: Math.round((samples.length / sampleRate) * 1000),
    };
  }

  close(): void {
    this.client.close();
  }
}
