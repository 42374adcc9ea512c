import { AppError, type Logger } from '@lm/kit';
import type { types } from 'mediasoup';
import { Peer, type PeerRole, type TransportDirection } from './Peer.js';
import { TypedEventEmitter } from './TypedEventEmitter.js';

/** Opus is the only codec a lecture room needs: browsers send it, ffmpeg decodes it. */
export const ROOM_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
];

export type RoomCloseCode = 'closed' | 'worker-died';

export interface RoomCloseReason {
  code: RoomCloseCode;
  message: string;
}

export interface RoomProducerEvent {
  sessionId: string;
  peerId: string;
  producer: types.Producer;
}

export type RoomEvents = {
  /** A peer started sending a track. */
  newproducer: [RoomProducerEvent];
  /** A producer ended (closed by its peer, its transport, or the room). */
  producerclose: [{ sessionId: string; peerId: string; producerId: string }];
  /** The room is gone; its clients must be told (the reason says whether rejoining can help). */
  close: [RoomCloseReason];
};

export interface RoomNetworkConfig {
  listenIp: string;
  announcedAddress: string | undefined;
  rtcMinPort: number;
  rtcMaxPort: number;
}

/** What mediasoup-client's Device.createSendTransport / createRecvTransport need. */
export interface WebRtcTransportOptions {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What mediasoup-client's Transport.consume needs. */
export interface ConsumerOptions {
  id: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
}

export interface RoomOptions {
  sessionId: string;
  worker: types.Worker;
  network: RoomNetworkConfig;
  logger: Logger;
}

/** A live session's media: one mediasoup router and its peers. */
export class Room extends TypedEventEmitter<RoomEvents> {
  readonly sessionId: string;
  readonly router: types.Router;
  readonly worker: types.Worker;
  readonly #network: RoomNetworkConfig;
  readonly #logger: Logger;
  readonly #peers = new Map<string, Peer>();
  #closed = false;

  static async create(options: RoomOptions): Promise<Room> {
    const router = await options.worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
    return new Room(options, router);
  }

  private constructor(options: RoomOptions, router: types.Router) {
    super();
    this.sessionId = options.sessionId;
    this.worker = options.worker;
    this.router = router;
    this.#network = options.network;
    this.#logger = options.logger.child({ session: options.sessionId, room: router.id });
    // mediasoup closes every router of a dead worker; the room must not linger half-alive.
    router.on('workerclose', () => {
      this.close({ code: 'worker-died', message: 'the media worker serving this room died' });
    });
    this.#logger.info({ workerPid: options.worker.pid }, 'room created');
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get peers(): ReadonlyMap<string, Peer> {
    return this.#peers;
  }

  /** Live producers of the room, for a viewer that joins after they started. */
  listProducers(): { peerId: string; producerId: string; kind: types.MediaKind }[] {
    const out: { peerId: string; producerId: string; kind: types.MediaKind }[] = [];
    for (const peer of this.#peers.values()) {
      for (const producer of peer.producers.values()) {
        out.push({ peerId: peer.id, producerId: producer.id, kind: producer.kind });
      }
    }
    return out;
  }

  /** Adds a peer, or returns it when it is already in the room with the same role. */
  join(peerId: string, role: PeerRole): Peer {
    this.#assertOpen();
    const existing = this.#peers.get(peerId);
    if (existing) {
      if (existing.role !== role) {
        throw new AppError('already_exists', `peer ${peerId} already joined as ${existing.role}`);
      }
      return existing;
    }
    const peer = new Peer(peerId, role);
    this.#peers.set(peerId, peer);
    this.#logger.info({ user: peerId, role }, 'peer joined');
    return peer;
  }

  leave(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.close();
    this.#logger.info({ user: peerId }, 'peer left');
  }

  peer(peerId: string): Peer {
    const peer = this.#peers.get(peerId);
    if (!peer) throw new AppError('not_found', `peer ${peerId} is not in this room`);
    return peer;
  }

  async createWebRtcTransport(
    peerId: string,
    direction: TransportDirection,
  ): Promise<WebRtcTransportOptions> {
    this.#assertOpen();
    const peer = this.peer(peerId);
    if (direction === 'send' && peer.role !== 'publisher') {
      throw new AppError('permission_denied', 'viewers cannot send media');
    }
    const { listenIp, announcedAddress, rtcMinPort, rtcMaxPort } = this.#network;
    const portRange = { min: rtcMinPort, max: rtcMaxPort };
    const transport = await this.router.createWebRtcTransport({
      listenInfos: [
        { protocol: 'udp', ip: listenIp, announcedAddress, portRange },
        { protocol: 'tcp', ip: listenIp, announcedAddress, portRange },
      ],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      appData: { peerId, direction },
    });
    peer.transports.set(transport.id, transport);
    transport.observer.on('close', () => peer.transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectWebRtcTransport(
    peerId: string,
    transportId: string,
    dtlsParameters: types.DtlsParameters,
  ): Promise<void> {
    this.#assertOpen();
    await this.#transport(peerId, transportId).connect({ dtlsParameters });
  }

  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    appData: Record<string, unknown> = {},
  ): Promise<types.Producer> {
    this.#assertOpen();
    const peer = this.peer(peerId);
    if (peer.role !== 'publisher')
      throw new AppError('permission_denied', 'viewers cannot send media');
    if (kind !== 'audio') throw new AppError('invalid_argument', 'rooms carry audio only');
    const transport = this.#transport(peerId, transportId);
    let producer: types.Producer;
    try {
      producer = await transport.produce({ kind, rtpParameters, appData: { ...appData, peerId } });
    } catch (error) {
      throw asInvalidArgument(error, 'cannot produce');
    }
    peer.producers.set(producer.id, producer);
    producer.observer.on('close', () => {
      peer.producers.delete(producer.id);
      this.emit('producerclose', { sessionId: this.sessionId, peerId, producerId: producer.id });
    });
    this.#logger.info({ user: peerId, producer: producer.id, kind }, 'producer created');
    this.emit('newproducer', { sessionId: this.sessionId, peerId, producer });
    return producer;
  }

  async consume(
    peerId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: types.RtpCapabilities,
  ): Promise<ConsumerOptions> {
    this.#assertOpen();
    const peer = this.peer(peerId);
    const transport = this.#transport(peerId, transportId);
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
      throw new AppError('failed_precondition', `cannot consume producer ${producerId}`, {
        details: { producerId },
      });
    }
    // Paused until the client says its side is ready (resumeConsumer), as mediasoup advises, so
    // that no packet arrives before the client-side consumer exists.
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
    return {
      id: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
    };
  }

  async resumeConsumer(peerId: string, consumerId: string): Promise<void> {
    this.#assertOpen();
    const consumer = this.peer(peerId).consumers.get(consumerId);
    if (!consumer) throw new AppError('not_found', `consumer ${consumerId} not found`);
    await consumer.resume();
  }

  closeProducer(peerId: string, producerId: string): void {
    const producer = this.peer(peerId).producers.get(producerId);
    if (!producer) throw new AppError('not_found', `producer ${producerId} not found`);
    producer.close();
  }

  /** Closes every peer and the router; emits 'close' once. */
  close(reason: RoomCloseReason = { code: 'closed', message: 'room closed' }): void {
    if (this.#closed) return;
    this.#closed = true;
    if (reason.code === 'worker-died') this.#logger.error({ reason }, 'room closed');
    else this.#logger.info({ reason }, 'room closed');
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.router.close();
    this.emit('close', reason);
  }

  #transport(peerId: string, transportId: string): types.WebRtcTransport {
    const transport = this.peer(peerId).transports.get(transportId);
    if (!transport) throw new AppError('not_found', `transport ${transportId} not found`);
    return transport;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('unavailable', 'room is closed', { retryable: true });
  }
}

/** mediasoup rejects bad RTP parameters with TypeError; that is the client's fault, not ours. */
function asInvalidArgument(error: unknown, what: string): AppError {
  if (error instanceof TypeError) {
    return new AppError('invalid_argument', `${what}: ${error.message}`, { cause: error });
  }
  return AppError.from(error);
}
