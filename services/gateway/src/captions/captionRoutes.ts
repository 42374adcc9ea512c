import '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Logger } from '@lm/kit';
import { closeWithError } from '../ws.js';
import type { CaptionFanout } from './CaptionFanout.js';
import type { Caption } from '@lm/api';
import { ViewerConnection } from './ViewerConnection.js';

export interface CaptionRoutesDeps {
  fanout: CaptionFanout;
  /** Stored finals of a session, oldest first, for viewers joining a session this gateway has not seen. */
  storedFinals(sessionId: string): Promise<Caption[]>;
  /** Throws an AppError unless the caller may watch this session's captions. */
  authorizeViewer(request: FastifyRequest, sessionId: string): Promise<void>;
  logger: Logger;
}

let viewerSeq = 0;

/** `GET /ws/captions/:sessionId` — a viewer's live caption feed (JSON frames, see messages.ts). */
export function registerCaptionRoutes(app: FastifyInstance, deps: CaptionRoutesDeps): void {
  app.get<{ Params: { sessionId: string } }>(
    '/ws/captions/:sessionId',
    { websocket: true },
    (socket, request) => {
      const { sessionId } = request.params;
      const log = deps.logger.child({ session: sessionId });
      // Frames from a viewer are not expected; anything but a ping is ignored.
      socket.on('message', () => undefined);
      void (async () => {
        try {
          if (!isSessionId(sessionId))
            throw new AppError('invalid_argument', 'Malformed session id');
          await deps.authorizeViewer(request, sessionId);
          const stored = await deps.storedFinals(sessionId);
          if (socket.readyState !== socket.OPEN) return;
          const viewer = new ViewerConnection(`v${++viewerSeq}`, socket);
          const leave = deps.fanout.join(sessionId, viewer, stored);
          log.debug(
            { viewer: viewer.id, viewers: deps.fanout.viewerCount(sessionId) },
            'viewer joined',
          );
          socket.once('close', () => {
            leave();
            viewer.close();
          });
        } catch (error) {
          if (!AppError.is(error) || error.code === 'internal')
            log.error({ err: error }, 'caption viewer failed');
          closeWithError(socket, error);
        }
      })();
    },
  );
}

export function isSessionId(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(value);
}
