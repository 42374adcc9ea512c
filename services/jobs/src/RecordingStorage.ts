import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@lm/kit';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Uploaded audio as files in one folder (`LM_DATA_DIR/recordings`; in a cluster a volume shared
 * by the gateway and the jobs service). A file appears under its final name only once it is
 * complete, so a worker never reads half an upload.
 */
export class RecordingStorage {
  constructor(readonly dir: string) {}

  path(recordingId: string): string {
    if (!ID.test(recordingId)) throw new AppError('invalid_argument', 'Malformed recording id');
    return join(this.dir, `${recordingId}.audio`);
  }

  /**
   * Streams `body` to disk, counting bytes as they arrive: past `maxBytes` it stops at once with
   * 413 and leaves nothing behind; an empty body is 400.
   */
  async write(
    recordingId: string,
    body: Readable,
    maxBytes: number,
  ): Promise<{ sizeBytes: number }> {
    await mkdir(this.dir, { recursive: true });
    const final = this.path(recordingId);
    const partial = `${final}.part`;
    let sizeBytes = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sizeBytes += chunk.length;
        if (sizeBytes > maxBytes) {
          done(
            new AppError(
              'payload_too_large',
              `The recording is larger than the limit of ${formatBytes(maxBytes)}`,
              { details: { maxBytes } },
            ),
          );
          return;
        }
        done(null, chunk);
      },
    });
    const out = createWriteStream(partial, { flags: 'wx' });
    // The body is piped by hand, not given to pipeline(): pipeline would destroy it on an error,
    // and destroying a request destroys its socket, so the client would never see our 413.
    const onBodyError = (error: Error) => limiter.destroy(error);
    body.once('error', onBodyError);
    body.once('aborted', () => limiter.destroy(new Error('client aborted the upload')));
    body.pipe(limiter);
    try {
      await pipeline(limiter, out);
      if (sizeBytes === 0)
        throw new AppError(
          'invalid_argument',
          'The upload is empty: send the audio file as the request body',
        );
      await rename(partial, final);
      return { sizeBytes };
    } catch (error) {
      body.unpipe(limiter);
      // Whatever the client still sends is read and dropped (Node would do so after the answer).
      body.resume();
      await rm(partial, { force: true });
      if (AppError.is(error)) throw error;
      throw new AppError('cancelled', 'The upload was interrupted', { cause: error });
    } finally {
      body.off('error', onBodyError);
    }
  }

  async size(recordingId: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(recordingId))).size;
    } catch {
      return undefined;
    }
  }

  /** The stored bytes, or a byte range of them (inclusive end, as HTTP ranges are). */
  read(recordingId: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(recordingId), range);
  }

  async remove(recordingId: string): Promise<void> {
    await rm(this.path(recordingId), { force: true });
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
