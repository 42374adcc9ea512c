import '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, type Logger } from '@lm/kit';
import type { MediaNotification, MediaResponse, SignalingContext } from '@lm/media';
import { isSessionId } from '../captions/captionRoutes.js';
import { closeWithError } from '../ws.js';

/**
 * What the gateway needs of the media service (in process, or its gRPC client,
 * GrpcMediaSignalingPort). Each successful openRoom is paired with one leave.
 */
export interface MediaSignalingPort {
  openRoom(sessionId: string): Promise<unknown>;
  handle(context: SignalingContext, raw: unknown): Promise<MediaResponse>;
  leave(context: SignalingContext): void;
  onNotification(
    listener: (sessionId: string, notification: MediaNotification) => void,
  ): () => void;
}

export interface RtcRoutesDeps {
  media: MediaSignalingPort;
  /** Throws an AppError unless the caller may join the session's room in that role; returns the peer id. */
  authorizePeer(
    request: FastifyRequest,
    sessionId: string,
    role: 'publisher' | 'viewer',
  ): Promise<{ peerId: string }>;
  logger: Logger;
}

/**
 * `GET /ws/rtc/:sessionId?role=publisher|viewer` — mediasoup-client signaling. Each text frame
 * is a request `{id, method, ...}` answered by `{id, method, ok, data|error}`; room events come
 * as `{notification, ...}` frames. The peer's identity and role come from its token, never
 * from its messages.
 */
export function registerRtcRoutes(app: FastifyInstance, deps: RtcRoutesDeps): void {
  const socketsBySession = new Map<string, Set<WebSocket>>();
  deps.media.onNotification((sessionId, notification) => {
    for (const socket of socketsBySession.get(sessionId) ?? []) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(notification));
    }
  });

  app.get<{ Params: { sessionId: string }; Querystring: { role?: string } }>(
    '/ws/rtc/:sessionId',
    { websocket: true },
    (socket, request) => {
      const { sessionId } = request.params;
      const log = deps.logger.child({ session: sessionId });
      const early: string[] = [];
      let onText = (text: string) => void early.push(text);
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          closeWithError(
            socket,
            new AppError('invalid_argument', 'Signaling frames are JSON text'),
          );
          return;
        }
        onText(
          Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.from(data as ArrayBuffer).toString('utf8'),
        );
      });
      void (async () => {
        try {
          if (!isSessionId(sessionId))
            throw new AppError('invalid_argument', 'Malformed session id');
          const role =
            request.query.role === 'publisher'
              ? 'publisher'
              : request.query.role === 'viewer' || request.query.role === undefined
                ? 'viewer'
                : undefined;
          if (!role) throw new AppError('invalid_argument', 'role must be publisher or viewer');
          const { peerId } = await deps.authorizePeer(request, sessionId, role);
          await deps.media.openRoom(sessionId);
          const context: SignalingContext = { sessionId, peerId, role };
          if (socket.readyState !== socket.OPEN) {
            // The browser left while we authorized it: its 'close' has fired already.
            deps.media.leave(context);
            return;
          }
          let peers = socketsBySession.get(sessionId);
          if (!peers) socketsBySession.set(sessionId, (peers = new Set()));
          peers.add(socket);
          socket.once('close', () => {
            peers.delete(socket);
            if (peers.size === 0) socketsBySession.delete(sessionId);
            deps.media.leave(context);
            log.debug({ user: peerId }, 'rtc peer left');
          });
          // Requests are answered in order, one at a time, per peer.
          let queue = Promise.resolve();
          onText = (text) => {
            queue = queue.then(async () => {
              const response = await deps.media.handle(context, text);
              if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(response));
            });
          };
          for (const text of early.splice(0)) onText(text);
          log.info({ user: peerId, role }, 'rtc peer joined');
        } catch (error) {
          if (!AppError.is(error) || error.code === 'internal')
            log.error({ err: error }, 'rtc join failed');
          closeWithError(socket, error);
        }
      })();
    },
  );
}
