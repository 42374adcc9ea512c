import { AppError, type Logger } from '@lm/kit';
import type { types } from 'mediasoup';
import type { PeerRole } from './Peer.js';
import type { Room } from './Room.js';
import { mediaFailure, parseMediaRequest } from './parseMediaRequest.js';
import {
  type MediaMethod,
  type MediaRequest,
  type MediaResponse,
  type MediaResponseData,
} from './signaling.js';

/** Who sends a request: established by the gateway from the socket's token, never by the client. */
export interface SignalingContext {
  sessionId: string;
  peerId: string;
  role: PeerRole;
}

/** How the handler finds the room of a session. */
export interface RoomDirectory {
  getRoom(sessionId: string): Room | undefined;
}

/**
 * Executes mediasoup-client signaling requests against rooms. Input is validated at runtime;
 * every outcome is a response (errors carry a stable code and whether a retry helps), so the
 * gateway can send it back as is.
 */
export class MediaSignalingHandler {
  readonly #rooms: RoomDirectory;
  readonly #logger: Logger;

  constructor(options: { rooms: RoomDirectory; logger: Logger }) {
    this.#rooms = options.rooms;
    this.#logger = options.logger.child({ component: 'media-signaling' });
  }

  async handle(context: SignalingContext, raw: unknown): Promise<MediaResponse> {
    const parsed = parseMediaRequest(raw);
    if (!parsed.ok) return parsed.response;
    const request = parsed.request;
    try {
      const data = await this.#execute(context, request);
      return { id: request.id, method: request.method, ok: true, data } as MediaResponse;
    } catch (error) {
      const appError = toAppError(error);
      const log = {
        session: context.sessionId,
        user: context.peerId,
        method: request.method,
        err: error,
      };
      if (appError.code === 'internal') this.#logger.error(log, 'signaling request failed');
      else this.#logger.info(log, 'signaling request rejected');
      return mediaFailure(request.id, request.method, appError);
    }
  }

  /** The peer's socket went away: release its transports. */
  leave(context: SignalingContext): void {
    this.#rooms.getRoom(context.sessionId)?.leave(context.peerId);
  }

  async #execute(
    context: SignalingContext,
    request: MediaRequest,
  ): Promise<MediaResponseData[MediaMethod]> {
    const room = this.#rooms.getRoom(context.sessionId);
    if (!room || room.closed) {
      throw new AppError('not_found', `no live media room for session ${context.sessionId}`);
    }
    room.join(context.peerId, context.role);
    const peerId = context.peerId;

    switch (request.method) {
      case 'getRouterRtpCapabilities':
        return { routerRtpCapabilities: room.rtpCapabilities };
      case 'createWebRtcTransport':
        return room.createWebRtcTransport(peerId, request.direction);
      case 'connectWebRtcTransport':
        await room.connectWebRtcTransport(
          peerId,
          request.transportId,
          request.dtlsParameters as types.DtlsParameters,
        );
        return {};
      case 'produce': {
        const producer = await room.produce(
          peerId,
          request.transportId,
          request.kind,
          request.rtpParameters as types.RtpParameters,
          request.appData,
        );
        return { id: producer.id };
      }
      case 'consume':
        return room.consume(
          peerId,
          request.transportId,
          request.producerId,
          request.rtpCapabilities as types.RtpCapabilities,
        );
      case 'resumeConsumer':
        await room.resumeConsumer(peerId, request.consumerId);
        return {};
      case 'closeProducer':
        room.closeProducer(peerId, request.producerId);
        return {};
      case 'listProducers':
        return { producers: room.listProducers() };
      default: {
        const unreachable: never = request;
        throw new AppError('invalid_argument', `unknown method ${String(unreachable)}`);
      }
    }
  }
}

/** mediasoup signals bad parameters with TypeError and closed objects with InvalidStateError. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof TypeError) {
    return new AppError('invalid_argument', error.message, { cause: error });
  }
  if (error instanceof Error && error.name === 'InvalidStateError') {
    return new AppError('failed_precondition', error.message, { cause: error });
  }
  return AppError.from(error);
}
