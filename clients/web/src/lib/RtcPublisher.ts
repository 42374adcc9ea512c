import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { Signaling } from './Signaling.js';

export type PublishState =
  'idle' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** Publishes one microphone track into a session's media room with mediasoup-client. */
export class RtcPublisher {
  private readonly signaling: Signaling;
  private transport: types.Transport | undefined;
  private producer: types.Producer | undefined;
  onState: (state: PublishState, detail?: string) => void = () => undefined;

  constructor(sessionId: string) {
    this.signaling = new Signaling(sessionId, 'publisher');
  }

  async publish(track: MediaStreamTrack): Promise<void> {
    this.onState('connecting');
    this.signaling.onClose = (reason) => this.onState('closed', reason);
    await this.signaling.open();
    const { routerRtpCapabilities } = await this.signaling.request<{
      routerRtpCapabilities: types.RtpCapabilities;
    }>('getRouterRtpCapabilities');
    const device = new Device();
    await device.load({ routerRtpCapabilities });
    if (!device.canProduce('audio'))
      throw new Error('This browser cannot send audio to the server.');
    const params = await this.signaling.request<types.TransportOptions>('createWebRtcTransport', {
      direction: 'send',
    });
    const transport = device.createSendTransport(params);
    this.transport = transport;
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signaling
        .request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      this.signaling
        .request<{ id: string }>('produce', {
          transportId: transport.id,
          kind,
          rtpParameters,
          appData,
        })
        .then(({ id }) => callback({ id }), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') this.onState('connected');
      else if (state === 'disconnected')
        this.onState('disconnected', 'The network connection dropped; trying to recover.');
      else if (state === 'failed')
        this.onState('failed', 'The audio connection to the server failed.');
    });
    this.producer = await transport.produce({
      track,
      codecOptions: { opusStereo: false, opusDtx: false },
      appData: { source: 'microphone' },
    });
  }

  close(): void {
    this.producer?.close();
    this.transport?.close();
    this.signaling.close();
  }
}
