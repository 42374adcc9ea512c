import { AppError } from '@lm/kit';
import { PeerRequest, PeerResponse, RoomNotification } from '@lm/proto/media/v1/media';
import { describe, expect, it } from 'vitest';
import {
  notificationFromProto,
  notificationToProto,
  parseMediaRequest,
  requestFromProto,
  requestToProto,
  responseFromProto,
  responseToProto,
  type MediaMethod,
  type MediaRequest,
  type MediaResponse,
} from '../src/grpc/index.js';

const rtpParameters = {
  mid: '0',
  codecs: [
    {
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { useinbandfec: 1 },
      rtcpFeedback: [],
    },
  ],
  encodings: [{ ssrc: 1234 }],
  rtcp: { cname: 'abc', reducedSize: true },
};

/** A request without its id (distributed over the union, so each method keeps its fields). */
type RequestBody = MediaRequest extends infer R
  ? R extends MediaRequest
    ? Omit<R, 'id'>
    : never
  : never;

const requests: RequestBody[] = [
  { method: 'getRouterRtpCapabilities' },
  { method: 'createWebRtcTransport', direction: 'recv' },
  {
    method: 'connectWebRtcTransport',
    transportId: 't1',
    dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
  },
  { method: 'produce', transportId: 't1', kind: 'audio', rtpParameters, appData: { a: 1 } },
  { method: 'produce', transportId: 't1', kind: 'audio', rtpParameters },
  {
    method: 'consume',
    transportId: 't2',
    producerId: 'p1',
    rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000 }] },
  },
  { method: 'resumeConsumer', consumerId: 'c1' },
  { method: 'closeProducer', producerId: 'p1' },
  { method: 'listProducers' },
];

/** Through the wire format and back, as gateway → media does. */
function overTheWire(request: MediaRequest, callId: number): unknown {
  const bytes = PeerRequest.encode(requestToProto(request, callId)).finish();
  return requestFromProto(PeerRequest.decode(bytes));
}

describe('lm.media.v1 signaling codec', () => {
  for (const body of requests) {
    it(`${body.method}: a validated request survives the wire (call id in place of the browser's id)`, () => {
      const parsed = parseMediaRequest({ id: 'browser-7', ...body });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.response));
      const decoded = overTheWire(parsed.request, 42);
      expect(decoded).toEqual({ ...body, id: 42 });
      // And the media side's validation accepts what arrives.
      expect(parseMediaRequest(decoded).ok).toBe(true);
    });
  }

  it('a request with malformed JSON in a field is refused as invalid_argument', () => {
    const bytes = PeerRequest.encode({
      callId: 1,
      method: {
        $case: 'connectWebRtcTransport',
        value: { transportId: 't', dtlsParametersJson: '{nope' },
      },
    }).finish();
    expect(() => requestFromProto(PeerRequest.decode(bytes))).toThrow(AppError);
    expect(() => requestFromProto({ callId: 1 })).toThrow(/no method/);
  });

  const responses: MediaResponse[] = [
    {
      id: 1,
      method: 'getRouterRtpCapabilities',
      ok: true,
      data: { routerRtpCapabilities: { codecs: [], headerExtensions: [] } },
    },
    {
      id: 1,
      method: 'createWebRtcTransport',
      ok: true,
      data: {
        id: 't1',
        iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
        iceCandidates: [
          {
            foundation: 'udpcandidate',
            priority: 1,
            ip: '127.0.0.1',
            address: '127.0.0.1',
            protocol: 'udp',
            port: 40000,
            type: 'host',
          },
        ],
        dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] },
      },
    },
    { id: 1, method: 'connectWebRtcTransport', ok: true, data: {} },
    { id: 1, method: 'produce', ok: true, data: { id: 'p1' } },
    {
      id: 1,
      method: 'consume',
      ok: true,
      data: { id: 'c1', producerId: 'p1', kind: 'audio', rtpParameters: { codecs: [] } },
    },
    { id: 1, method: 'resumeConsumer', ok: true, data: {} },
    { id: 1, method: 'closeProducer', ok: true, data: {} },
    {
      id: 1,
      method: 'listProducers',
      ok: true,
      data: { producers: [{ peerId: 'u1', producerId: 'p1', kind: 'audio' }] },
    },
    {
      id: 1,
      method: 'produce',
      ok: false,
      error: { code: 'permission_denied', message: 'viewers cannot send media', retryable: false },
    },
  ];

  for (const response of responses) {
    it(`${response.method} ${response.ok ? 'result' : 'error'}: reaches the browser under its own id`, () => {
      const bytes = PeerResponse.encode(responseToProto(response, 9)).finish();
      const decoded = PeerResponse.decode(bytes);
      expect(decoded.callId).toBe(9);
      const back = responseFromProto(decoded, 'b-3', response.method as MediaMethod);
      expect(back).toEqual({ ...response, id: 'b-3' });
    });
  }

  it('a result that does not answer the method is an internal error, not a wrong answer', () => {
    const wrong = responseToProto({ id: 1, method: 'produce', ok: true, data: { id: 'p' } }, 1);
    expect(responseFromProto(wrong, 5, 'consume')).toMatchObject({
      id: 5,
      method: 'consume',
      ok: false,
      error: { code: 'internal' },
    });
  });

  it('notifications survive the wire', () => {
    for (const notification of [
      { notification: 'newProducer', peerId: 'u', producerId: 'p', kind: 'audio' },
      { notification: 'producerClosed', peerId: 'u', producerId: 'p' },
      { notification: 'roomClosed', code: 'worker-died', message: 'gone' },
    ] as const) {
      const bytes = RoomNotification.encode(notificationToProto('s1', notification)).finish();
      const decoded = RoomNotification.decode(bytes);
      expect(decoded.sessionId).toBe('s1');
      expect(notificationFromProto(decoded)).toEqual(notification);
    }
    expect(notificationFromProto({ sessionId: 's1' })).toBeUndefined();
  });
});
