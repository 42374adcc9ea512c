import { randomUUID } from 'node:crypto';
import { encodeWav } from '@lm/audio';
import { AppError } from '@lm/kit';
import { splitSentences } from '@lm/library';
import type { SpeechAudioChunk, Voice } from '@lm/proto/speech/v1/speech';
import type { SpeechSynthesizer } from './SpeechSynthesizer.js';

export const MAX_SYNTHESIZE_CHARS = 5000;
/** Audio per chunk on streams: 100 ms keeps messages small and playback start quick. */
export const CHUNK_MS = 100;

export interface SynthesizeInput {
  text: string;
  voiceId?: string;
  speed?: number;
}

/** The plain synthesize API: voices, a sentence-by-sentence audio stream, a WAV file. */
export class SpeechService {
  constructor(private readonly synthesizer: SpeechSynthesizer) {}

  async listVoices(): Promise<Voice[]> {
    return (await this.synthesizer.voices()).map((v) => ({
      id: v.id,
      name: v.name,
      language: v.language,
      sampleRate: v.sampleRate,
    }));
  }

  /**
   * Streams `text` as audio, sentence by sentence as each is synthesized: the first audio
   * arrives after the first sentence, not after the whole text. Stops when `signal` aborts.
   */
  async *synthesize(
    input: SynthesizeInput,
    signal?: AbortSignal,
  ): AsyncGenerator<SpeechAudioChunk> {
    const sentences = checkText(input.text);
    const utteranceId = randomUUID();
    let sequence = 0;
    let sampleRate = 0;
    for (const sentence of sentences) {
      if (signal?.aborted) return;
      const speech = await this.synthesizer.synthesize(sentence, {
        ...(input.voiceId ? { voiceId: input.voiceId } : {}),
        ...(input.speed ? { speed: input.speed } : {}),
      });
      sampleRate = speech.sampleRate;
      for (const [i, pcm] of frames(speech.pcm, speech.sampleRate, CHUNK_MS).entries()) {
        if (signal?.aborted) return;
        yield {
          sessionId: '',
          utteranceId,
          sequence: sequence++,
          sampleRate,
          pcm: pcmBytes(pcm),
          text: i === 0 ? sentence : '',
          endOfUtterance: false,
          emittedAtMs: Date.now(),
        };
      }
    }
    yield {
      sessionId: '',
      utteranceId,
      sequence,
      sampleRate,
      pcm: Buffer.alloc(0),
      text: '',
      endOfUtterance: true,
      emittedAtMs: Date.now(),
    };
  }

  /** The whole text as one WAV file (what the REST endpoint returns). */
  async synthesizeWav(
    input: SynthesizeInput,
  ): Promise<{ wav: Buffer; sampleRate: number; durationMs: number }> {
    const sentences = checkText(input.text);
    const parts: Int16Array[] = [];
    let sampleRate = 22050;
    for (const sentence of sentences) {
      const speech = await this.synthesizer.synthesize(sentence, {
        ...(input.voiceId ? { voiceId: input.voiceId } : {}),
        ...(input.speed ? { speed: input.speed } : {}),
      });
      sampleRate = speech.sampleRate;
      parts.push(speech.pcm);
    }
    const samples = concat(parts);
    return {
      wav: encodeWav({ sampleRate, channels: 1, samples }),
      sampleRate,
      durationMs: Math.round((samples.length / sampleRate) * 1000),
    };
  }
}

function checkText(text: string): string[] {
  if (typeof text !== 'string' || text.trim() === '')
    throw new AppError('invalid_argument', 'text is required');
  if (text.length > MAX_SYNTHESIZE_CHARS) {
    throw new AppError(
      'payload_too_large',
      `text is longer than ${MAX_SYNTHESIZE_CHARS} characters`,
      {
        details: { limitChars: MAX_SYNTHESIZE_CHARS },
      },
    );
  }
  return splitSentences(text);
}

/** Cuts PCM into pieces of `ms` (the last one shorter). */
export function frames(pcm: Int16Array, sampleRate: number, ms: number): Int16Array[] {
  const size = Math.max(1, Math.round((sampleRate * ms) / 1000));
  const out: Int16Array[] = [];
  for (let i = 0; i < pcm.length; i += size)
    out.push(pcm.subarray(i, Math.min(pcm.length, i + size)));
  return out;
}

/** Little-endian bytes of PCM samples (a copy: the chunk outlives the synthesis buffer). */
export function pcmBytes(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i += 1) out.writeInt16LE(pcm[i] ?? 0, i * 2);
  return out;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
