import { AppError } from '@lm/kit';
import {
  MediaKind,
  PeerRole,
  TransportDirection,
  type PeerRequest,
  type PeerResponse,
  type RoomNotification,
} from '@lm/proto/media/v1/media';
import type { types } from 'mediasoup';
import type { PeerRole as Role, TransportDirection as Direction } from '../Peer.js';
import type {
  MediaMethod,
  MediaNotification,
  MediaRequest,
  MediaResponse,
  MediaResponseData,
} from '../signaling.js';

// Conversions between the JSON signaling of mediasoup-client (signaling.ts) and the typed
// messages of lm.media.v1. The gateway encodes requests and decodes responses; the media service
// does the reverse. mediasoup's own structures stay JSON text inside the typed envelope.

/** Longest JSON field accepted from the wire (RTP capabilities are the largest, a few kB). */
const MAX_JSON_CHARS = 64 * 1024;

export function roleToProto(role: Role): PeerRole {
  return role === 'publisher' ? PeerRole.PEER_ROLE_PUBLISHER : PeerRole.PEER_ROLE_VIEWER;
}

export function roleFromProto(role: PeerRole): Role {
  if (role === PeerRole.PEER_ROLE_PUBLISHER) return 'publisher';
  if (role === PeerRole.PEER_ROLE_VIEWER) return 'viewer';
  throw new AppError('invalid_argument', 'peer role must be publisher or viewer');
}

export function kindToProto(kind: types.MediaKind): MediaKind {
  return kind === 'audio' ? MediaKind.MEDIA_KIND_AUDIO : MediaKind.MEDIA_KIND_VIDEO;
}

export function kindFromProto(kind: MediaKind): types.MediaKind {
  if (kind === MediaKind.MEDIA_KIND_AUDIO) return 'audio';
  if (kind === MediaKind.MEDIA_KIND_VIDEO) return 'video';
  throw new AppError('invalid_argument', 'media kind must be audio or video');
}

function directionToProto(direction: Direction): TransportDirection {
  return direction === 'send'
    ? TransportDirection.TRANSPORT_DIRECTION_SEND
    : TransportDirection.TRANSPORT_DIRECTION_RECV;
}

function directionFromProto(direction: TransportDirection): Direction {
  if (direction === TransportDirection.TRANSPORT_DIRECTION_SEND) return 'send';
  if (direction === TransportDirection.TRANSPORT_DIRECTION_RECV) return 'recv';
  throw new AppError('invalid_argument', 'transport direction must be send or recv');
}

function parseJson(field: string, text: string): unknown {
  if (text.length > MAX_JSON_CHARS)
    throw new AppError('invalid_argument', `${field} is longer than ${MAX_JSON_CHARS} characters`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_argument', `${field} is not JSON`);
  }
}

/** Gateway side: a validated browser request as a PeerRequest with the gateway's call id. */
export function requestToProto(request: MediaRequest, callId: number): PeerRequest {
  switch (request.method) {
    case 'getRouterRtpCapabilities':
      return { callId, method: { $case: 'getRouterRtpCapabilities', value: {} } };
    case 'createWebRtcTransport':
      return {
        callId,
        method: {
          $case: 'createWebRtcTransport',
          value: { direction: directionToProto(request.direction) },
        },
      };
    case 'connectWebRtcTransport':
      return {
        callId,
        method: {
          $case: 'connectWebRtcTransport',
          value: {
            transportId: request.transportId,
            dtlsParametersJson: JSON.stringify(request.dtlsParameters),
          },
        },
      };
    case 'produce':
      return {
        callId,
        method: {
          $case: 'produce',
          value: {
            transportId: request.transportId,
            kind: kindToProto(request.kind),
            rtpParametersJson: JSON.stringify(request.rtpParameters),
            appDataJson: request.appData === undefined ? '' : JSON.stringify(request.appData),
          },
        },
      };
    case 'consume':
      return {
        callId,
        method: {
          $case: 'consume',
          value: {
            transportId: request.transportId,
            producerId: request.producerId,
            rtpCapabilitiesJson: JSON.stringify(request.rtpCapabilities),
          },
        },
      };
    case 'resumeConsumer':
      return {
        callId,
        method: { $case: 'resumeConsumer', value: { consumerId: request.consumerId } },
      };
    case 'closeProducer':
      return {
        callId,
        method: { $case: 'closeProducer', value: { producerId: request.producerId } },
      };
    case 'listProducers':
      return { callId, method: { $case: 'listProducers', value: {} } };
    default: {
      const unreachable: never = request;
      throw new AppError('invalid_argument', `unknown method ${String(unreachable)}`);
    }
  }
}

/**
 * Media side: a PeerRequest as the JSON-shaped request MediaSignalingHandler validates (with the
 * call id as its id). Throws invalid_argument for an empty or malformed message.
 */
export function requestFromProto(request: PeerRequest): Record<string, unknown> {
  const id = request.callId;
  const method = request.method;
  if (!method) throw new AppError('invalid_argument', 'request names no method');
  switch (method.$case) {
    case 'getRouterRtpCapabilities':
      return { id, method: 'getRouterRtpCapabilities' };
    case 'createWebRtcTransport':
      return {
        id,
        method: 'createWebRtcTransport',
        direction: directionFromProto(method.value.direction),
      };
    case 'connectWebRtcTransport':
      return {
        id,
        method: 'connectWebRtcTransport',
        transportId: method.value.transportId,
        dtlsParameters: parseJson('dtls_parameters_json', method.value.dtlsParametersJson),
      };
    case 'produce':
      return {
        id,
        method: 'produce',
        transportId: method.value.transportId,
        kind: kindFromProto(method.value.kind),
        rtpParameters: parseJson('rtp_parameters_json', method.value.rtpParametersJson),
        ...(method.value.appDataJson
          ? { appData: parseJson('app_data_json', method.value.appDataJson) }
          : {}),
      };
    case 'consume':
      return {
        id,
        method: 'consume',
        transportId: method.value.transportId,
        producerId: method.value.producerId,
        rtpCapabilities: parseJson('rtp_capabilities_json', method.value.rtpCapabilitiesJson),
      };
    case 'resumeConsumer':
      return { id, method: 'resumeConsumer', consumerId: method.value.consumerId };
    case 'closeProducer':
      return { id, method: 'closeProducer', producerId: method.value.producerId };
    case 'listProducers':
      return { id, method: 'listProducers' };
    default: {
      const unreachable: never = method;
      throw new AppError('invalid_argument', `unknown method ${String(unreachable)}`);
    }
  }
}

/** Media side: the handler's response as a PeerResponse. */
export function responseToProto(response: MediaResponse, callId: number): PeerResponse {
  if (!response.ok) return { callId, result: { $case: 'error', value: response.error } };
  switch (response.method) {
    case 'getRouterRtpCapabilities':
      return {
        callId,
        result: {
          $case: 'routerRtpCapabilities',
          value: {
            routerRtpCapabilitiesJson: JSON.stringify(response.data.routerRtpCapabilities),
          },
        },
      };
    case 'createWebRtcTransport':
      return {
        callId,
        result: {
          $case: 'webRtcTransportCreated',
          value: {
            transportId: response.data.id,
            iceParametersJson: JSON.stringify(response.data.iceParameters),
            iceCandidatesJson: JSON.stringify(response.data.iceCandidates),
            dtlsParametersJson: JSON.stringify(response.data.dtlsParameters),
          },
        },
      };
    case 'connectWebRtcTransport':
      return { callId, result: { $case: 'webRtcTransportConnected', value: {} } };
    case 'produce':
      return {
        callId,
        result: { $case: 'produced', value: { producerId: response.data.id } },
      };
    case 'consume':
      return {
        callId,
        result: {
          $case: 'consumed',
          value: {
            consumerId: response.data.id,
            producerId: response.data.producerId,
            kind: kindToProto(response.data.kind),
            rtpParametersJson: JSON.stringify(response.data.rtpParameters),
          },
        },
      };
    case 'resumeConsumer':
      return { callId, result: { $case: 'consumerResumed', value: {} } };
    case 'closeProducer':
      return { callId, result: { $case: 'producerClosed', value: {} } };
    case 'listProducers':
      return {
        callId,
        result: {
          $case: 'producerList',
          value: {
            producers: response.data.producers.map((p) => ({
              peerId: p.peerId,
              producerId: p.producerId,
              kind: kindToProto(p.kind),
            })),
          },
        },
      };
    default: {
      const unreachable: never = response;
      throw new AppError('internal', `unknown response ${String(unreachable)}`);
    }
  }
}

/** The result case each method answers with. */
const RESULT_OF: Record<MediaMethod, NonNullable<PeerResponse['result']>['$case']> = {
  getRouterRtpCapabilities: 'routerRtpCapabilities',
  createWebRtcTransport: 'webRtcTransportCreated',
  connectWebRtcTransport: 'webRtcTransportConnected',
  produce: 'produced',
  consume: 'consumed',
  resumeConsumer: 'consumerResumed',
  closeProducer: 'producerClosed',
  listProducers: 'producerList',
};

/**
 * Gateway side: a PeerResponse as the JSON response for the browser, under the browser's own
 * request id. A result that does not fit the method is the media service's fault: `internal`.
 */
export function responseFromProto(
  response: PeerResponse,
  id: string | number,
  method: MediaMethod,
): MediaResponse {
  const result = response.result;
  if (result?.$case === 'error') {
    return { id, method, ok: false, error: result.value };
  }
  if (!result || result.$case !== RESULT_OF[method]) {
    return {
      id,
      method,
      ok: false,
      error: {
        code: 'internal',
        message: `media service answered ${method} with ${result?.$case ?? 'nothing'}`,
        retryable: false,
      },
    };
  }
  const ok = <M extends MediaMethod>(m: M, data: MediaResponseData[M]): MediaResponse =>
    ({ id, method: m, ok: true, data }) as MediaResponse;
  switch (result.$case) {
    case 'routerRtpCapabilities':
      return ok('getRouterRtpCapabilities', {
        routerRtpCapabilities: JSON.parse(
          result.value.routerRtpCapabilitiesJson,
        ) as types.RtpCapabilities,
      });
    case 'webRtcTransportCreated':
      return ok('createWebRtcTransport', {
        id: result.value.transportId,
        iceParameters: JSON.parse(result.value.iceParametersJson) as types.IceParameters,
        iceCandidates: JSON.parse(result.value.iceCandidatesJson) as types.IceCandidate[],
        dtlsParameters: JSON.parse(result.value.dtlsParametersJson) as types.DtlsParameters,
      });
    case 'webRtcTransportConnected':
      return ok('connectWebRtcTransport', {});
    case 'produced':
      return ok('produce', { id: result.value.producerId });
    case 'consumed':
      return ok('consume', {
        id: result.value.consumerId,
        producerId: result.value.producerId,
        kind: kindFromProto(result.value.kind),
        rtpParameters: JSON.parse(result.value.rtpParametersJson) as types.RtpParameters,
      });
    case 'consumerResumed':
      return ok('resumeConsumer', {});
    case 'producerClosed':
      return ok('closeProducer', {});
    case 'producerList':
      return ok('listProducers', {
        producers: result.value.producers.map((p) => ({
          peerId: p.peerId,
          producerId: p.producerId,
          kind: kindFromProto(p.kind),
        })),
      });
    default: {
      const unreachable: never = result;
      throw new AppError('internal', `unknown result ${String(unreachable)}`);
    }
  }
}

export function notificationToProto(
  sessionId: string,
  notification: MediaNotification,
): RoomNotification {
  switch (notification.notification) {
    case 'newProducer':
      return {
        sessionId,
        kind: {
          $case: 'newProducer',
          value: {
            peerId: notification.peerId,
            producerId: notification.producerId,
            kind: kindToProto(notification.kind),
          },
        },
      };
    case 'producerClosed':
      return {
        sessionId,
        kind: {
          $case: 'producerClosed',
          value: { peerId: notification.peerId, producerId: notification.producerId },
        },
      };
    case 'roomClosed':
      return {
        sessionId,
        kind: {
          $case: 'roomClosed',
          value: { code: notification.code, message: notification.message },
        },
      };
    default: {
      const unreachable: never = notification;
      throw new AppError('internal', `unknown notification ${String(unreachable)}`);
    }
  }
}

/** A notification for the browser; undefined for a kind this gateway does not know yet. */
export function notificationFromProto(
  notification: RoomNotification,
): MediaNotification | undefined {
  const kind = notification.kind;
  switch (kind?.$case) {
    case 'newProducer':
      return {
        notification: 'newProducer',
        peerId: kind.value.peerId,
        producerId: kind.value.producerId,
        kind: kindFromProto(kind.value.kind),
      };
    case 'producerClosed':
      return {
        notification: 'producerClosed',
        peerId: kind.value.peerId,
        producerId: kind.value.producerId,
      };
    case 'roomClosed':
      return { notification: 'roomClosed', code: kind.value.code, message: kind.value.message };
    case undefined:
      return undefined;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}
