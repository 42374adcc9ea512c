import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@lm/kit';

/** Form fields (not files) accepted around the file: a form may carry a title or a token. */
const MAX_FIELDS = 20;

/** Registers the multipart/form-data parser in an upload route's scope (parts are streamed). */
export function registerMultipartParser(app: FastifyInstance): void {
  void app.register(multipart, { throwFileSizeLimit: false });
}

export function isMultipart(request: FastifyRequest): boolean {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type === 'multipart/form-data';
}

/**
 * The one file of a multipart/form-data upload, streamed as it arrives (never buffered whole):
 * `stream` yields its bytes and fails with payload_too_large past `maxBytes`. The form must
 * hold exactly one file part; `finish` reads the rest of the form and refuses a second file.
 */
export class MultipartFile {
  private constructor(
    private readonly request: FastifyRequest,
    private readonly parts: AsyncIterator<unknown>,
    readonly fieldName: string,
    /** The part's file name, without any folder a browser may have put in it. */
    readonly filename: string,
    /** The part's own Content-Type, lower case, without parameters. */
    readonly mediaType: string,
    readonly stream: Readable,
  ) {}

  /**
   * Reads the form up to its first file part and the first bytes of it. A form without a file,
   * or with an empty one, is an invalid_argument (the rest of the body is let go by).
   */
  static async open(
    request: FastifyRequest,
    options: { maxBytes: number; what: string },
  ): Promise<MultipartFile> {
    const form = request.parts({
      limits: { files: 1, fileSize: options.maxBytes, fields: MAX_FIELDS, parts: MAX_FIELDS + 1 },
    });
    const parts = form[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await parts.next();
        if (next.done) {
          throw new AppError(
            'invalid_argument',
            `The form has no file: send the ${options.what} as one file field of the multipart/form-data body`,
          );
        }
        const part = next.value as {
          type: 'file' | 'field';
          fieldname: string;
          filename?: string;
          mimetype?: string;
          file?: Readable & { truncated?: boolean };
        };
        if (part.type !== 'file' || !part.file) continue;
        const bytes = limited(part.file, options.maxBytes, options.what);
        const first = await bytes.next();
        if (first.done) {
          throw new AppError(
            'invalid_argument',
            `The ${options.what} "${part.filename ?? ''}" is empty`,
          );
        }
        return new MultipartFile(
          request,
          parts,
          part.fieldname,
          baseName(part.filename ?? ''),
          (part.mimetype ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
          Readable.from(prepend(first.value, bytes), { objectMode: false }),
        );
      }
    } catch (error) {
      discard(request);
      throw fromMultipart(error);
    }
  }

  /** Reads the rest of the form after the file: a second file is refused. */
  async finish(): Promise<void> {
    try {
      for (;;) {
        const next = await this.parts.next();
        if (next.done) return;
        const part = next.value as { type: string; file?: Readable };
        if (part.type === 'file') {
          part.file?.resume();
          throw new AppError('invalid_argument', 'The form has more than one file: send one');
        }
      }
    } catch (error) {
      discard(this.request);
      throw fromMultipart(error);
    }
  }

  /** A refused upload: the rest of the body is read and dropped, so the answer gets through. */
  discard(): void {
    this.stream.resume();
    discard(this.request);
  }
}

/** The file's bytes; past `maxBytes` (busboy cuts the part there) it fails with a 413. */
async function* limited(
  file: Readable & { truncated?: boolean },
  maxBytes: number,
  what: string,
): AsyncGenerator<Buffer> {
  for await (const chunk of file) {
    if (file.truncated) break;
    yield chunk as Buffer;
  }
  if (file.truncated) {
    throw new AppError(
      'payload_too_large',
      `The ${what} is larger than the limit of ${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MB`,
      { details: { maxBytes } },
    );
  }
}

async function* prepend(first: Buffer, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}

function baseName(filename: string): string {
  return filename.split(/[/\\]/).pop()?.trim() ?? '';
}

function discard(request: FastifyRequest): void {
  request.raw.resume();
}

/** The parser's own errors (limits, a malformed body) as our typed errors. */
function fromMultipart(error: unknown): AppError {
  if (AppError.is(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'FST_FILES_LIMIT')
    return new AppError('invalid_argument', 'The form has more than one file: send one');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new AppError('invalid_argument', `The form has too many fields (at most ${MAX_FIELDS})`);
  return new AppError('invalid_argument', `Malformed multipart/form-data body: ${message}`);
}
