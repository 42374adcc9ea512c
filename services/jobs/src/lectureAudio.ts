import { Readable } from 'node:stream';
import { encodeWav } from '@lm/audio';
import type { RecordingStorage } from './RecordingStorage.js';

/** Live audio on the bus, and so in a lecture's WAV: 16 kHz mono s16le. */
export const LECTURE_SAMPLE_RATE = 16_000;
/** The canonical RIFF/WAVE header the recorder writes: `data` starts right after it. */
export const WAV_HEADER_BYTES = 44;

/** A 44-byte header for `dataBytes` of 16 kHz mono 16-bit PCM. */
export function lectureWavHeader(dataBytes: number): Buffer {
  const header = encodeWav({
    sampleRate: LECTURE_SAMPLE_RATE,
    channels: 1,
    samples: new Int16Array(0),
  });
  header.writeUInt32LE(36 + dataBytes, 4);
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * A session's recorded audio as a WAV of `size` bytes, or undefined when nothing was recorded.
 * The header is rebuilt from the file's length on every read rather than trusted from disk: while
 * the lecture is live the recorder patches it only now and then, and the reader should see all
 * the audio written so far.
 */
export async function openLectureAudio(
  storage: RecordingStorage,
  sessionId: string,
): Promise<{ size: number; read(range?: { start: number; end: number }): Readable } | undefined> {
  const fileSize = await storage.size(sessionId);
  if (fileSize === undefined || fileSize <= WAV_HEADER_BYTES) return undefined;
  // A chunk being written right now may be half there: whole samples only.
  const dataBytes = Math.floor((fileSize - WAV_HEADER_BYTES) / 2) * 2;
  const size = WAV_HEADER_BYTES + dataBytes;
  const header = lectureWavHeader(dataBytes);
  return {
    size,
    read(range = { start: 0, end: size - 1 }) {
      const { start, end } = range;
      const head =
        start < WAV_HEADER_BYTES
          ? header.subarray(start, Math.min(end + 1, WAV_HEADER_BYTES))
          : undefined;
      const bodyStart = Math.max(start, WAV_HEADER_BYTES);
      const body =
        bodyStart <= end ? storage.read(sessionId, { start: bodyStart, end }) : undefined;
      return Readable.from(
        (async function* () {
          if (head?.length) yield head;
          if (body) yield* body;
        })(),
        { objectMode: false },
      );
    },
  };
}
