import type { types } from 'mediasoup';

/** A publisher may send media; a viewer only receives. */
export type PeerRole = 'publisher' | 'viewer';

export type TransportDirection = 'send' | 'recv';

/**
 * One participant of a room: the mediasoup objects it owns. Closing a peer closes its transports,
 * which closes their producers and consumers.
 */
export class Peer {
  readonly id: string;
  readonly role: PeerRole;
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();

  constructor(id: string, role: PeerRole) {
    this.id = id;
    this.role = role;
  }

  close(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}
