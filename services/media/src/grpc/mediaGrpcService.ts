import type { Metadata, ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import { AppError, callerOf, toServiceError, unaryHandler, type Logger } from '@lm/kit';
import type {
  CloseRoomRequest,
  CloseRoomResponse,
  MediaSignalingServiceServer,
  OpenRoomRequest,
  OpenRoomResponse,
  RoomNotification,
  SignalRequest,
  SignalResponse,
  WatchRoomRequest,
} from '@lm/proto/media/v1/media';
import type { MediaService, MediaServiceEvents } from '../MediaService.js';
import type { SignalingContext } from '../MediaSignalingHandler.js';
import { mediaFailure } from '../parseMediaRequest.js';
import {
  notificationToProto,
  requestFromProto,
  responseToProto,
  roleFromProto,
} from './signalingCodec.js';

export interface MediaGrpcServiceOptions {
  logger: Logger;
  /**
   * Service clients (token `azp`) allowed to drive rooms: the gateway. Empty: any platform
   * service. withCallerIdentity has already refused calls without a service token.
   */
  allowedClients: readonly string[];
}

const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,200}$/;

function checkId(what: string, value: string): string {
  if (!ID_PATTERN.test(value))
    throw new AppError('invalid_argument', `${what} must be 1-200 characters of [A-Za-z0-9._:@-]`);
  return value;
}

/**
 * The lm.media.v1.MediaSignalingService implementation over a MediaService. Register it wrapped
 * in kit's withCallerIdentity: every method first checks here that the verified caller is one of
 * the allowed clients.
 */
export function mediaGrpcService(
  media: MediaService,
  options: MediaGrpcServiceOptions,
): MediaSignalingServiceServer {
  const logger = options.logger.child({ component: 'media-grpc' });
  const authorize = (metadata: Metadata): void => {
    const caller = callerOf(metadata);
    if (options.allowedClients.length === 0) return;
    if (!caller.clientId || !options.allowedClients.includes(caller.clientId))
      throw new AppError(
        'permission_denied',
        `client ${caller.clientId ?? '(none)'} may not drive media rooms`,
      );
  };

  return {
    openRoom: unaryHandler<OpenRoomRequest, OpenRoomResponse>(
      logger,
      async (request, { metadata }) => {
        authorize(metadata);
        const sessionId = checkId('session_id', request.sessionId);
        const room = await media.openRoom(sessionId);
        return {
          sessionId,
          routerRtpCapabilitiesJson: JSON.stringify(room.rtpCapabilities),
        };
      },
    ),

    closeRoom: unaryHandler<CloseRoomRequest, CloseRoomResponse>(
      logger,
      (request, { metadata }) => {
        authorize(metadata);
        const sessionId = checkId('session_id', request.sessionId);
        const existed = media.getRoom(sessionId) !== undefined;
        media.closeRoom(sessionId);
        return Promise.resolve({ closed: existed });
      },
    ),

    watchRoom: (call: ServerWritableStream<WatchRoomRequest, RoomNotification>) => {
      try {
        authorize(call.metadata);
        const sessionId = checkId('session_id', call.request.sessionId);
        const room = media.getRoom(sessionId);
        if (!room || room.closed)
          throw new AppError('not_found', `no live media room for session ${sessionId}`);
        const stop = (): void => {
          media.off('notification', onNotification);
        };
        const onNotification = (event: MediaServiceEvents['notification'][0]): void => {
          if (event.sessionId !== sessionId) return;
          call.write(notificationToProto(sessionId, event.notification));
          if (event.notification.notification === 'roomClosed') {
            stop();
            call.end();
          }
        };
        media.on('notification', onNotification);
        call.on('cancelled', stop);
        call.on('close', stop);
      } catch (error) {
        // grpc-js sends the status from its own 'error' listener; destroy() would drop it.
        call.emit('error', toServiceError(error, logger));
      }
    },

    signal: (call: ServerDuplexStream<SignalRequest, SignalResponse>) => {
      let context: SignalingContext | undefined;
      let queue = Promise.resolve();
      let left = false;
      const fail = (error: unknown): void => {
        leave();
        call.emit('error', toServiceError(error, logger));
      };
      const leave = (): void => {
        if (left || !context) return;
        left = true;
        media.signaling.leave(context);
      };
      try {
        authorize(call.metadata);
      } catch (error) {
        fail(error);
        return;
      }
      call.on('data', (message: SignalRequest) => {
        const kind = message.kind;
        if (kind?.$case === 'join') {
          try {
            if (context) throw new AppError('failed_precondition', 'this stream already joined');
            const sessionId = checkId('session_id', kind.value.sessionId);
            const peerId = checkId('peer_id', kind.value.peerId);
            const role = roleFromProto(kind.value.role);
            const room = media.getRoom(sessionId);
            if (!room || room.closed)
              throw new AppError('not_found', `no live media room for session ${sessionId}`);
            context = { sessionId, peerId, role };
          } catch (error) {
            fail(error);
          }
          return;
        }
        if (kind?.$case !== 'request') {
          fail(new AppError('invalid_argument', 'a signal message must be join or request'));
          return;
        }
        const peer = context;
        if (!peer) {
          fail(new AppError('failed_precondition', 'join before sending requests'));
          return;
        }
        const callId = kind.value.callId;
        // One request at a time per peer, answered in order, as on the browser's socket.
        queue = queue.then(async () => {
          let response;
          try {
            response = await media.signaling.handle(peer, requestFromProto(kind.value));
          } catch (error) {
            response = mediaFailure(callId, null, AppError.from(error));
          }
          if (!call.writable || call.destroyed) return;
          call.write({ kind: { $case: 'response', value: responseToProto(response, callId) } });
        });
      });
      call.on('end', () => {
        // The gateway closed its side (the browser left): answer what is queued, then finish.
        void queue.then(() => {
          leave();
          call.end();
        });
      });
      call.on('cancelled', leave);
      call.on('close', leave);
      call.on('error', leave);
    },
  };
}
