import '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { AppError, type Logger } from '@lm/kit';
import type { AudioChunk, AudioPurpose } from '@lm/proto/audio/v1/audio';
import { isSessionId } from '../captions/captionRoutes.js';
import { closeWithError } from '../ws.js';
import {
  AudioIngest,
  DEFAULT_INGEST_LIMITS,
  type IngestFormat,
  type IngestLimits,
} from './AudioIngest.js';

export interface IngestRoutesDeps {
  /** Publishes a chunk to the audio topic. */
  publishAudio(chunk: AudioChunk): Promise<void>;
  /**
   * Throws an AppError unless the caller may send audio into this live session; may say what
   * the audio is for (a lecture unless said otherwise).
   */
  authorizePublisher(
    request: FastifyRequest,
    sessionId: string,
  ): Promise<{ purpose?: AudioPurpose } | void>;
  logger: Logger;
  limits?: IngestLimits;
}

/** Messages the ingest socket sends (JSON text frames). */
export type IngestServerMessage =
  | { type: 'ready'; sessionId: string; streamId: string; format: IngestFormat }
  | { type: 'ended'; sessionId: string; streamId: string; durationMs: number }
  | { type: 'error'; code: string; message: string; retryable: boolean };

let streamSeq = 0;

/**
 * `GET /ws/ingest/:sessionId?format=pcm16|container` — audio into a live session without
 * WebRTC (CLI, k6, devices). Binary frames carry audio; the text frame `{"type":"end"}` ends
 * the stream. The stream joins the same flow as WebRTC audio, at the audio topic.
 */
export function registerIngestRoutes(app: FastifyInstance, deps: IngestRoutesDeps): void {
  app.get<{ Params: { sessionId: string }; Querystring: { format?: string } }>(
    '/ws/ingest/:sessionId',
    { websocket: true },
    (socket, request) => {
      const { sessionId } = request.params;
      const log = deps.logger.child({ session: sessionId });
      let ingest: AudioIngest | undefined;
      let failed = false;
      // Frames that arrive before authorization finishes wait here, in order.
      const early: { data: RawData; isBinary: boolean }[] = [];
      let handle = (data: RawData, isBinary: boolean) => void early.push({ data, isBinary });
      socket.on('message', (data, isBinary) => handle(data, isBinary));

      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        if (!AppError.is(error) || error.code === 'internal')
          log.error({ err: error }, 'ingest failed');
        else log.info({ code: error.code, reason: error.message }, 'ingest refused');
        void ingest?.abort(`error: ${AppError.from(error).message}`);
        closeWithError(socket, error);
      };

      void (async () => {
        try {
          if (!isSessionId(sessionId))
            throw new AppError('invalid_argument', 'Malformed session id');
          const format = parseFormat(request.query.format);
          const grant = await deps.authorizePublisher(request, sessionId);
          const streamId = `ingest-${Date.now().toString(36)}-${++streamSeq}`;
          const current = new AudioIngest(
            sessionId,
            streamId,
            format,
            (chunk) => deps.publishAudio(chunk),
            deps.limits ?? DEFAULT_INGEST_LIMITS,
            grant?.purpose,
          );
          ingest = current;
          socket.once('close', () => void current.abort('client disconnected'));
          send(socket, { type: 'ready', sessionId, streamId, format });
          log.info({ stream: streamId, format }, 'ingest started');
          let queue = Promise.resolve();
          handle = (data, isBinary) => {
            queue = queue.then(() => onFrame(socket, current, data, isBinary, log)).catch(fail);
          };
          for (const frame of early.splice(0)) handle(frame.data, frame.isBinary);
        } catch (error) {
          fail(error);
        }
      })();
    },
  );
}

async function onFrame(
  socket: WebSocket,
  ingest: AudioIngest,
  data: RawData,
  isBinary: boolean,
  log: Logger,
): Promise<void> {
  if (isBinary) {
    socket.pause();
    try {
      await ingest.write(toBuffer(data));
    } finally {
      socket.resume();
    }
    return;
  }
  const message = parseControl(toBuffer(data).toString('utf8'));
  if (message.type === 'end') {
    await ingest.end('client');
    send(socket, {
      type: 'ended',
      sessionId: ingest.sessionId,
      streamId: ingest.streamId,
      durationMs: Math.round(ingest.durationMs),
    });
    log.info(
      { stream: ingest.streamId, durationMs: Math.round(ingest.durationMs) },
      'ingest ended',
    );
    socket.close(1000, 'stream ended');
  }
}

function parseFormat(value: string | undefined): IngestFormat {
  if (value === undefined || value === 'pcm16') return 'pcm16';
  if (value === 'container') return 'container';
  throw new AppError(
    'invalid_argument',
    `Unknown ingest format "${value}"; use pcm16 or container`,
  );
}

function parseControl(text: string): { type: 'end' } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('invalid_argument', 'Control frames must be JSON, e.g. {"type":"end"}');
  }
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'end')
    return { type: 'end' };
  throw new AppError('invalid_argument', 'Unknown control frame; the only one is {"type":"end"}');
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function send(socket: WebSocket, message: IngestServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}
