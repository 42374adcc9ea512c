import { PassThrough, type Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { AppError } from '@lm/kit';

export const PCM_SAMPLE_RATE = 16_000;

export interface FfmpegDecoderOptions {
  /** ffmpeg's input format when it cannot be probed from the bytes (e.g. "s16le"). */
  inputFormat?: string;
  /** Input options placed before -i (e.g. ['-ar', '48000', '-ac', '2'] for raw input). */
  inputOptions?: string[];
  /** Called with decoded s16le mono 16 kHz PCM as it is produced. */
  onPcm: (pcm: Buffer) => void;
}

/**
 * Decodes any audio ffmpeg reads (WAV, Ogg/Opus, WebM, MP3, FLAC, ...) arriving as a byte
 * stream into 16 kHz mono s16le PCM. Feed it with `write`, finish with `end`; `done`
 * resolves when ffmpeg has flushed everything, or rejects with a clear `AppError` when the
 * input cannot be decoded.
 */
export class FfmpegDecoder {
  private readonly input = new PassThrough();
  private readonly output = new PassThrough();
  private readonly command: ffmpeg.FfmpegCommand;
  private readonly stderrTail: string[] = [];
  private bytesOut = 0;
  readonly done: Promise<{ pcmBytes: number }>;

  constructor(options: FfmpegDecoderOptions) {
    this.command = ffmpeg(this.input);
    if (options.inputFormat) this.command.inputFormat(options.inputFormat);
    this.command
      .inputOptions(['-hide_banner', '-nostdin', ...(options.inputOptions ?? [])])
      .noVideo()
      .audioChannels(1)
      .audioFrequency(PCM_SAMPLE_RATE)
      .audioCodec('pcm_s16le')
      .format('s16le')
      .on('stderr', (line: string) => {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 8) this.stderrTail.shift();
      });
    this.output.on('data', (pcm: Buffer) => {
      this.bytesOut += pcm.length;
      options.onPcm(pcm);
    });
    this.done = new Promise((resolve, reject) => {
      this.command.on('error', (error: Error) => {
        this.input.destroy();
        if (/ENOENT|Cannot find ffmpeg/.test(error.message)) {
          reject(
            new AppError('unavailable', 'ffmpeg is not installed (run scripts/setup.sh)', {
              cause: error,
            }),
          );
          return;
        }
        reject(
          new AppError('unsupported_media_type', `Could not decode the audio: ${this.reason()}`, {
            cause: error,
          }),
        );
      });
      this.command.on('end', () => {
        if (this.bytesOut === 0) {
          reject(
            new AppError(
              'unsupported_media_type',
              `The audio contains no decodable sound: ${this.reason()}`,
            ),
          );
        } else {
          resolve({ pcmBytes: this.bytesOut });
        }
      });
    });
    // Rejections are observed through `done`; avoid an unhandled rejection before someone awaits it.
    this.done.catch(() => undefined);
    this.command.pipe(this.output, { end: true });
  }

  /** Writes input bytes; resolves when ffmpeg can take more (back-pressure). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.input.destroyed) return Promise.resolve();
    if (this.input.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => this.input.once('drain', resolve));
  }

  end(): Promise<{ pcmBytes: number }> {
    this.input.end();
    return this.done;
  }

  /** Stops ffmpeg at once (the client went away). */
  kill(): void {
    this.input.destroy();
    this.command.kill('SIGKILL');
  }

  private reason(): string {
    const meaningful = this.stderrTail.filter(
      (l) => !/^\s*$|^ffmpeg version|^\s+(built|configuration|lib)/.test(l),
    );
    return (meaningful.slice(-2).join(' ').trim() || 'ffmpeg failed').slice(0, 300);
  }
}

/** Decodes a whole readable (a file or an upload) to 16 kHz mono s16le samples. */
export async function decodeToPcm16k(
  source: Readable,
  options: Omit<FfmpegDecoderOptions, 'onPcm'> = {},
): Promise<Int16Array> {
  const parts: Buffer[] = [];
  const decoder = new FfmpegDecoder({ ...options, onPcm: (pcm) => parts.push(pcm) });
  for await (const chunk of source) await decoder.write(chunk as Buffer);
  await decoder.end();
  const all = Buffer.concat(parts);
  const aligned = Buffer.from(all.subarray(0, all.length - (all.length % 2)));
  return new Int16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
}
