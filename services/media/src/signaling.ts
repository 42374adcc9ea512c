import type { types } from 'mediasoup';
import { z } from 'zod';

/**
 * Signaling between a mediasoup-client in the browser and the media service, carried by the
 * gateway's WebSocket. Requests carry an `id` that the response echoes. Field names follow
 * mediasoup-client: Device.load({ routerRtpCapabilities }), Device.createSendTransport(
 * { id, iceParameters, iceCandidates, dtlsParameters }), the transport's 'connect' event
 * ({ dtlsParameters }) and 'produce' event ({ kind, rtpParameters, appData }), and
 * Transport.consume({ id, producerId, kind, rtpParameters }).
 *
 * Nested RTP structures are checked for shape and bounded in size here; mediasoup then validates
 * their meaning (codecs, payload types) and its TypeErrors become invalid_argument errors.
 */

const id = z.string().min(1).max(100);
const shortString = z.string().max(200);
const params = z.record(
  z.string().max(100),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);

const rtcpFeedback = z.looseObject({ type: shortString, parameter: shortString.optional() });

const dtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.looseObject({ algorithm: z.string().max(20), value: z.string().max(200) }))
    .min(1)
    .max(8),
});

const rtpCodecParameters = z.looseObject({
  mimeType: shortString,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().optional(),
  parameters: params.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(20).optional(),
});

const rtpParameters = z.looseObject({
  mid: shortString.optional(),
  codecs: z.array(rtpCodecParameters).min(1).max(20),
  headerExtensions: z
    .array(
      z.looseObject({
        uri: shortString,
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: params.optional(),
      }),
    )
    .max(20)
    .optional(),
  encodings: z
    .array(z.looseObject({ ssrc: z.number().int().nonnegative().optional() }))
    .max(10)
    .optional(),
  rtcp: z
    .looseObject({ cname: shortString.optional(), reducedSize: z.boolean().optional() })
    .optional(),
});

const rtpCapabilities = z.looseObject({
  codecs: z
    .array(
      z.looseObject({
        kind: z.enum(['audio', 'video']),
        mimeType: shortString,
        preferredPayloadType: z.number().int().min(0).max(127).optional(),
        clockRate: z.number().int().positive(),
        channels: z.number().int().positive().optional(),
        parameters: params.optional(),
        rtcpFeedback: z.array(rtcpFeedback).max(20).optional(),
      }),
    )
    .max(100)
    .optional(),
  headerExtensions: z
    .array(
      z.looseObject({
        kind: z.enum(['audio', 'video']),
        uri: shortString,
        preferredId: z.number().int().min(1).max(255),
        preferredEncrypt: z.boolean().optional(),
        direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
      }),
    )
    .max(50)
    .optional(),
});

const requestId = z.union([z.string().max(100), z.number().int()]);

export const mediaRequestSchema = z.discriminatedUnion('method', [
  z.object({ id: requestId, method: z.literal('getRouterRtpCapabilities') }),
  z.object({
    id: requestId,
    method: z.literal('createWebRtcTransport'),
    direction: z.enum(['send', 'recv']),
  }),
  z.object({
    id: requestId,
    method: z.literal('connectWebRtcTransport'),
    transportId: id,
    dtlsParameters,
  }),
  z.object({
    id: requestId,
    method: z.literal('produce'),
    transportId: id,
    kind: z.enum(['audio', 'video']),
    rtpParameters,
    appData: z.record(z.string().max(100), z.unknown()).optional(),
  }),
  z.object({
    id: requestId,
    method: z.literal('consume'),
    transportId: id,
    producerId: id,
    rtpCapabilities,
  }),
  z.object({ id: requestId, method: z.literal('resumeConsumer'), consumerId: id }),
  z.object({ id: requestId, method: z.literal('closeProducer'), producerId: id }),
  z.object({ id: requestId, method: z.literal('listProducers') }),
]);

export type MediaRequest = z.infer<typeof mediaRequestSchema>;
export type MediaMethod = MediaRequest['method'];

/** The data each method answers with. */
export interface MediaResponseData {
  getRouterRtpCapabilities: { routerRtpCapabilities: types.RtpCapabilities };
  createWebRtcTransport: {
    id: string;
    iceParameters: types.IceParameters;
    iceCandidates: types.IceCandidate[];
    dtlsParameters: types.DtlsParameters;
  };
  connectWebRtcTransport: Record<string, never>;
  produce: { id: string };
  consume: {
    id: string;
    producerId: string;
    kind: types.MediaKind;
    rtpParameters: types.RtpParameters;
  };
  resumeConsumer: Record<string, never>;
  closeProducer: Record<string, never>;
  listProducers: { producers: { peerId: string; producerId: string; kind: types.MediaKind }[] };
}

export interface MediaErrorBody {
  code: string;
  message: string;
  retryable: boolean;
}

export type MediaResponse =
  | {
      [M in MediaMethod]: {
        id: string | number | null;
        method: M;
        ok: true;
        data: MediaResponseData[M];
      };
    }[MediaMethod]
  | { id: string | number | null; method: MediaMethod | null; ok: false; error: MediaErrorBody };

/** Pushed by the server without a request (the gateway forwards them to the room's clients). */
export type MediaNotification =
  | { notification: 'newProducer'; peerId: string; producerId: string; kind: types.MediaKind }
  | { notification: 'producerClosed'; peerId: string; producerId: string }
  | { notification: 'roomClosed'; code: string; message: string };
