import { AppError, type Logger } from '@lm/kit';
import type { types } from 'mediasoup';
import type { PeerRole } from './Peer.js';
import type { Room } from './Room.js';
import {
  mediaRequestSchema,
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
    let message: unknown = raw;
    if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
      try {
        message = JSON.parse(raw.toString()) as unknown;
      } catch {
        return failure(
          null,
          null,
          new AppError('invalid_argument', 'signaling message is not JSON'),
        );
      }
    }
    const parsed = mediaRequestSchema.safeParse(message);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.map(String).join('.') ?? '';
      return failure(
        peekId(message),
        null,
        new AppError(
          'invalid_argument',
          `invalid signaling request: ${where} ${issue?.message ?? ''}`.trim(),
        ),
      );
    }
    const request = parsed.data;
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
      return failure(request.id, request.method, appError);
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

function failure(
  id: string | number | null,
  method: MediaMethod | null,
  error: AppError,
): MediaResponse {
  return {
    id,
    method,
    ok: false,
    error: { code: error.code, message: error.message, retryable: error.retryable },
  };
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

function peekId(message: unknown): string | number | null {
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const value = message.id;
    if (typeof value === 'string' || typeof value === 'number') return value;
  }
  return null;
}
