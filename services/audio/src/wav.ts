import { AppError } from '@lm/kit';

/** A WAV file of 16-bit PCM samples (the only kind this module writes or reads directly). */
export interface Pcm16Audio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** Wraps 16-bit PCM samples in a RIFF/WAVE header. */
export function encodeWav(audio: Pcm16Audio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(audio.channels, 22);
  header.writeUInt32LE(audio.sampleRate, 24);
  header.writeUInt32LE(audio.sampleRate * audio.channels * 2, 28);
  header.writeUInt16LE(audio.channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  const body = Buffer.from(audio.samples.buffer, audio.samples.byteOffset, dataBytes);
  return Buffer.concat([header, body]);
}

/** Reads a 16-bit PCM WAV (any chunk order); other encodings need `decodeToPcm16k`. */
export function parseWav(bytes: Uint8Array): Pcm16Audio {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    buf.length < 12 ||
    buf.toString('ascii', 0, 4) !== 'RIFF' ||
    buf.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new AppError('unsupported_media_type', 'Not a WAV file (no RIFF/WAVE header)');
  }
  let offset = 12;
  let format:
    { audioFormat: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format)
        throw new AppError('invalid_argument', 'WAV file has data before its format chunk');
      if (format.audioFormat !== 1 || format.bits !== 16) {
        throw new AppError(
          'unsupported_media_type',
          `WAV encoding ${format.audioFormat}/${format.bits}-bit is not 16-bit PCM`,
        );
      }
      // Streamed WAVs may carry a 0 or 0xFFFFFFFF size: take what is there.
      const end =
        size === 0 || size === 0xffffffff ? buf.length : Math.min(buf.length, body + size);
      const data = Buffer.from(buf.subarray(body, end - ((end - body) % 2)));
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        samples: new Int16Array(data.buffer, data.byteOffset, data.byteLength / 2),
      };
    }
    offset = body + size + (size % 2);
  }
  throw new AppError('invalid_argument', 'WAV file has no data chunk');
}
