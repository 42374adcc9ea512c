import dgram from 'node:dgram';
import type { types } from 'mediasoup';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { SignalingContext } from '../../src/MediaSignalingHandler.js';
import type { MediaRequest, MediaResponse, MediaResponseData } from '../../src/signaling.js';

const OPUS_PT = 111;

/** Whatever answers signaling: the in-process handler, or the gateway's gRPC client. */
export interface SignalingEndpoint {
  handle(context: SignalingContext, raw: unknown): Promise<MediaResponse>;
}

type Req = MediaRequest extends infer R ? (R extends MediaRequest ? Omit<R, 'id'> : never) : never;

/**
 * A Node WebRTC publisher for tests: werift does ICE, DTLS and SRTP against a mediasoup
 * WebRtcTransport, negotiated through MediaSignalingHandler exactly as mediasoup-client would
 * (router capabilities, create/connect transport, produce). RTP it is given (from an ffmpeg
 * encoder) is sent on the audio track.
 */
export class WeriftPublisher {
  readonly pc: RTCPeerConnection;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  producerId = '';
  #requestId = 0;
  #rtpIn: dgram.Socket | undefined;

  constructor(
    readonly handler: SignalingEndpoint,
    readonly context: SignalingContext,
  ) {
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [
          new RTCRtpCodecParameters({
            mimeType: 'audio/opus',
            clockRate: 48000,
            channels: 2,
            payloadType: OPUS_PT,
          }),
        ],
      },
      headerExtensions: { audio: [] },
      // mediasoup listens on loopback in tests; werift leaves loopback out unless asked.
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
    });
  }

  async request<M extends Req['method']>(
    body: Extract<Req, { method: M }>,
  ): Promise<MediaResponseData[M]> {
    const response: MediaResponse = await this.handler.handle(this.context, {
      id: ++this.#requestId,
      ...body,
    });
    if (!response.ok)
      throw new Error(`${body.method} failed: ${response.error.code} ${response.error.message}`);
    return response.data as MediaResponseData[M];
  }

  /** Negotiates and connects; resolves when DTLS is up and the producer exists. */
  async publish(timeoutMs = 15_000): Promise<void> {
    const { routerRtpCapabilities } = await this.request({ method: 'getRouterRtpCapabilities' });
    const opus = routerRtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === 'audio/opus',
    );
    if (!opus) throw new Error('router offers no Opus');

    const transport = await this.request({ method: 'createWebRtcTransport', direction: 'send' });
    const transceiver = this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const local = this.pc.localDescription?.sdp ?? '';
    const fingerprint = /a=fingerprint:(\S+) (\S+)/.exec(local);
    const mid = /a=mid:(\S+)/.exec(local)?.[1] ?? '0';
    if (!fingerprint?.[1] || !fingerprint[2]) throw new Error('no DTLS fingerprint in local SDP');

    // werift offers actpass; the answer makes mediasoup the DTLS server, so werift is the client.
    await this.request({
      method: 'connectWebRtcTransport',
      transportId: transport.id,
      dtlsParameters: {
        role: 'client',
        fingerprints: [{ algorithm: fingerprint[1], value: fingerprint[2] }],
      },
    });
    const { id } = await this.request({
      method: 'produce',
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: {
        mid,
        codecs: [
          {
            mimeType: 'audio/opus',
            payloadType: OPUS_PT,
            clockRate: 48000,
            channels: 2,
            parameters: {},
            rtcpFeedback: [],
          },
        ],
        headerExtensions: [],
        encodings: [{ ssrc: transceiver.sender.ssrc }],
        rtcp: { cname: this.pc.cname, reducedSize: true },
      },
    });
    this.producerId = id;

    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp(transport, mid) });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not connected after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = (state: string): void => {
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        } else if (state === 'failed') {
          clearTimeout(timer);
          reject(new Error('WebRTC connection failed'));
        }
      };
      this.pc.connectionStateChange.subscribe(check);
      check(this.pc.connectionState);
    });
  }

  /** A local UDP port; every RTP packet arriving there is sent on the track. */
  async rtpInput(): Promise<number> {
    const socket = dgram.createSocket('udp4');
    this.#rtpIn = socket;
    socket.on('message', (packet) => {
      // ffmpeg's RTP muxer also sends RTCP (payload types 200–204) to the port + 1; ignore strays.
      const pt = packet[1] ?? 0;
      if (pt >= 200 && pt <= 204) return;
      this.track.writeRtp(packet);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket.address().port;
  }

  async close(): Promise<void> {
    this.#rtpIn?.close();
    this.track.stop();
    await this.pc.close();
  }
}

function answerSdp(transport: MediaResponseData['createWebRtcTransport'], mid: string): string {
  const fp = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
  if (!fp) throw new Error('mediasoup offered no sha-256 fingerprint');
  const udp = transport.iceCandidates.filter((c: types.IceCandidate) => c.protocol === 'udp');
  const first = udp[0];
  if (!first) throw new Error('no UDP candidate');
  return [
    'v=0',
    'o=mediasoup 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${mid}`,
    'a=msid-semantic: WMS *',
    `m=audio ${first.port} UDP/TLS/RTP/SAVPF ${OPUS_PT}`,
    `c=IN IP4 ${first.address}`,
    `a=mid:${mid}`,
    'a=recvonly',
    'a=rtcp-mux',
    `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
    `a=ice-pwd:${transport.iceParameters.password}`,
    `a=fingerprint:${fp.algorithm} ${fp.value}`,
    'a=setup:passive',
    `a=rtpmap:${OPUS_PT} opus/48000/2`,
    ...udp.map(
      (c) => `a=candidate:${c.foundation} 1 udp ${c.priority} ${c.address} ${c.port} typ host`,
    ),
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}
