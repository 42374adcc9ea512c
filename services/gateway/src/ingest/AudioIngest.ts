import { AppError } from '@lm/kit';
import { AudioChunker, FfmpegDecoder } from '@lm/audio';
import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';

export type IngestFormat = 'pcm16' | 'container';

export interface IngestLimits {
  /** Longest stream accepted (stream time). */
  maxDurationMs: number;
  /** Most input bytes accepted over the stream. */
  maxInputBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxDurationMs: 4 * 60 * 60 * 1000,
  maxInputBytes: 2 * 1024 * 1024 * 1024,
};

/**
 * One audio stream arriving over the WebSocket ingest: raw PCM16 frames (16 kHz mono s16le)
 * or any container ffmpeg decodes (WAV, Ogg/Opus, WebM). The audio is cut into bus chunks and
 * handed to `sink` in order; `write` resolves once the sink took them, which gives the socket
 * back-pressure.
 */
export class AudioIngest {
  private readonly chunker: AudioChunker;
  private readonly decoder: FfmpegDecoder | undefined;
  private inputBytes = 0;
  private pcmOddByte: Buffer | undefined;
  private ended = false;
  private sinkChain: Promise<void> = Promise.resolve();
  private sinkError: unknown;

  constructor(
    readonly sessionId: string,
    readonly streamId: string,
    readonly format: IngestFormat,
    private readonly sink: (chunk: AudioChunk) => Promise<void>,
    private readonly limits: IngestLimits = DEFAULT_INGEST_LIMITS,
    purpose: AudioPurpose = AudioPurpose.AUDIO_PURPOSE_LECTURE,
  ) {
    this.chunker = new AudioChunker({ sessionId, streamId, purpose, chunkMs: 100 });
    if (format === 'container') {
      this.decoder = new FfmpegDecoder({ onPcm: (pcm) => this.forward(this.chunker.push(pcm)) });
    }
  }

  get durationMs(): number {
    return this.chunker.emittedMs;
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.ended) throw new AppError('failed_precondition', 'The stream has already ended');
    this.inputBytes += bytes.length;
    if (this.inputBytes > this.limits.maxInputBytes) {
      throw new AppError(
        'payload_too_large',
        `Audio stream exceeds ${this.limits.maxInputBytes} bytes`,
      );
    }
    if (this.chunker.emittedMs > this.limits.maxDurationMs) {
      throw new AppError(
        'payload_too_large',
        `Audio stream exceeds ${Math.round(this.limits.maxDurationMs / 60000)} minutes`,
      );
    }
    if (this.decoder) {
      await this.decoder.write(bytes);
    } else {
      this.forward(this.chunker.push(this.alignPcm(bytes)));
    }
    await this.sinkChain;
    if (this.sinkError) throw AppError.from(this.sinkError);
  }

  /** Ends the stream: flushes the decoder and sends the end-of-stream marker with `reason`. */
  async end(reason = 'client'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    let failure: unknown;
    if (this.decoder) {
      try {
        await this.decoder.end();
      } catch (error) {
        failure = error;
      }
    }
    this.forward(this.chunker.end(failure ? `error: ${AppError.from(failure).message}` : reason));
    await this.sinkChain;
    if (failure) throw AppError.from(failure);
    if (this.sinkError) throw AppError.from(this.sinkError);
  }

  /** The client vanished: stop decoding, and still close the stream on the bus. */
  async abort(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.decoder?.kill();
    this.forward(this.chunker.end(reason));
    await this.sinkChain.catch(() => undefined);
  }

  private alignPcm(bytes: Buffer): Buffer {
    const joined = this.pcmOddByte ? Buffer.concat([this.pcmOddByte, bytes]) : bytes;
    if (joined.length % 2 === 1) {
      this.pcmOddByte = Buffer.from(joined.subarray(joined.length - 1));
      return joined.subarray(0, joined.length - 1);
    }
    this.pcmOddByte = undefined;
    return joined;
  }

  private forward(chunks: AudioChunk[]): void {
    for (const chunk of chunks) {
      this.sinkChain = this.sinkChain
        .then(() => (this.sinkError ? undefined : this.sink(chunk)))
        .catch((error: unknown) => {
          this.sinkError = error;
        });
    }
  }
}
