import {
  credentials,
  status as GrpcStatus,
  type ClientDuplexStream,
  type ClientReadableStream,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  AppError,
  callUnary,
  fromServiceError,
  serviceMetadata,
  type Logger,
  type ServiceTokenSource,
} from '@lm/kit';
import {
  mediaFailure,
  notificationFromProto,
  parseMediaRequest,
  requestToProto,
  responseFromProto,
  roleToProto,
  type MediaMethod,
  type MediaNotification,
  type MediaResponse,
  type SignalingContext,
} from '@lm/media/grpc';
import {
  MediaSignalingServiceClient,
  type RoomNotification,
  type SignalRequest,
  type SignalResponse,
} from '@lm/proto/media/v1/media';
import type { MediaSignalingPort } from './rtcRoutes.js';

export interface GrpcMediaSignalingPortOptions {
  /** The media service's gRPC address: `host:port` (a `grpc://` prefix is accepted). */
  address: string;
  /** The gateway's own identity: each call carries its token; the media service checks it. */
  tokens: ServiceTokenSource;
  logger: Logger;
  /** How long one signaling request may take before the browser is told it failed. */
  requestTimeoutMs?: number;
}

type NotificationListener = (sessionId: string, notification: MediaNotification) => void;

interface PendingCall {
  id: string | number;
  method: MediaMethod;
  resolve: (response: MediaResponse) => void;
  timer: NodeJS.Timeout;
}

/** One browser peer's Signal stream: its requests in flight by call id. */
interface PeerStream {
  call: ClientDuplexStream<SignalRequest, SignalResponse> | undefined;
  pending: Map<number, PendingCall>;
  /** Resolves once the join went out (the token is fetched first). */
  ready: Promise<void>;
}

/** The per-session notification stream, shared by the session's peers on this gateway. */
interface RoomWatch {
  call: ClientReadableStream<RoomNotification> | undefined;
  peers: number;
  cancelled: boolean;
}

const peerKey = (context: SignalingContext): string => `${context.sessionId}\n${context.peerId}`;

/**
 * The gateway's MediaSignalingPort over the media service's gRPC API (lm.media.v1), for the
 * distributed mode. Each browser peer gets a bidirectional Signal stream (requests answered in
 * order; the peer leaves its room when the stream ends, also when this gateway dies); each session
 * with peers here gets one WatchRoom stream whose notifications go to the rtc route's listeners.
 * Browser messages are validated here with the media service's own rules, so a bad one never
 * crosses the network; the media service validates again.
 */
export class GrpcMediaSignalingPort implements MediaSignalingPort {
  readonly #client: MediaSignalingServiceClient;
  readonly #tokens: ServiceTokenSource;
  readonly #logger: Logger;
  readonly #requestTimeoutMs: number;
  readonly #listeners = new Set<NotificationListener>();
  readonly #peers = new Map<string, PeerStream>();
  readonly #watches = new Map<string, RoomWatch>();
  #nextCallId = 1;
  #closed = false;

  constructor(options: GrpcMediaSignalingPortOptions) {
    const address = options.address.replace(/^grpc:\/\//, '');
    this.#client = new MediaSignalingServiceClient(address, credentials.createInsecure());
    this.#tokens = options.tokens;
    this.#logger = options.logger.child({ component: 'media-client' });
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  /** Opens (or finds) the session's room on the media service and watches its notifications. */
  async openRoom(sessionId: string): Promise<unknown> {
    if (this.#closed) throw new AppError('unavailable', 'media client closed', { retryable: true });
    const response = await callUnary(
      this.#client.openRoom.bind(this.#client),
      { sessionId },
      { metadata: await serviceMetadata(this.#tokens) },
    );
    let watch = this.#watches.get(sessionId);
    if (!watch) {
      watch = { call: undefined, peers: 0, cancelled: false };
      this.#watches.set(sessionId, watch);
      await this.#watch(sessionId, watch);
    }
    watch.peers += 1;
    return response;
  }

  /** Closes the session's room on the media service (every peer is dropped). */
  async closeRoom(sessionId: string): Promise<boolean> {
    const response = await callUnary(
      this.#client.closeRoom.bind(this.#client),
      { sessionId },
      { metadata: await serviceMetadata(this.#tokens) },
    );
    return response.closed;
  }

  async handle(context: SignalingContext, raw: unknown): Promise<MediaResponse> {
    const parsed = parseMediaRequest(raw);
    if (!parsed.ok) return parsed.response;
    const { request } = parsed;
    if (this.#closed) {
      return mediaFailure(
        request.id,
        request.method,
        new AppError('unavailable', 'media client closed', { retryable: true }),
      );
    }
    const peer = this.#peerStream(context);
    const callId = this.#nextCallId++;
    try {
      await peer.ready;
    } catch (error) {
      return mediaFailure(request.id, request.method, AppError.from(error));
    }
    if (this.#peers.get(peerKey(context)) !== peer) {
      // The stream failed while it opened (its error went to the requests then waiting).
      return mediaFailure(
        request.id,
        request.method,
        new AppError('unavailable', 'media signaling stream ended', { retryable: true }),
      );
    }
    return new Promise<MediaResponse>((resolve) => {
      const timer = setTimeout(() => {
        peer.pending.delete(callId);
        resolve(
          mediaFailure(
            request.id,
            request.method,
            new AppError('deadline_exceeded', `media service did not answer ${request.method}`),
          ),
        );
      }, this.#requestTimeoutMs);
      peer.pending.set(callId, { id: request.id, method: request.method, resolve, timer });
      peer.call?.write({ kind: { $case: 'request', value: requestToProto(request, callId) } });
    });
  }

  /** The browser's socket closed: its Signal stream ends, so the peer leaves the room. */
  leave(context: SignalingContext): void {
    const key = peerKey(context);
    const peer = this.#peers.get(key);
    if (peer) {
      this.#peers.delete(key);
      peer.call?.end();
    }
    const watch = this.#watches.get(context.sessionId);
    if (watch) {
      watch.peers -= 1;
      if (watch.peers <= 0) this.#stopWatch(context.sessionId, watch);
    }
  }

  onNotification(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends every stream and the channel. */
  close(): void {
    this.#closed = true;
    for (const [sessionId, watch] of this.#watches) this.#stopWatch(sessionId, watch);
    for (const peer of this.#peers.values()) peer.call?.cancel();
    this.#peers.clear();
    this.#client.close();
  }

  #peerStream(context: SignalingContext): PeerStream {
    const key = peerKey(context);
    const existing = this.#peers.get(key);
    if (existing) return existing;
    const peer: PeerStream = { call: undefined, pending: new Map(), ready: Promise.resolve() };
    this.#peers.set(key, peer);
    peer.ready = serviceMetadata(this.#tokens).then((metadata) => {
      if (this.#peers.get(key) !== peer) {
        throw new AppError('cancelled', 'the peer left before its signaling stream opened');
      }
      peer.call = this.#openSignal(context, peer, metadata);
    });
    // A token failure fails this attempt only; the next request tries a fresh stream.
    peer.ready.catch(() => {
      if (this.#peers.get(key) === peer) this.#peers.delete(key);
    });
    return peer;
  }

  #openSignal(
    context: SignalingContext,
    peer: PeerStream,
    metadata: Metadata,
  ): ClientDuplexStream<SignalRequest, SignalResponse> {
    const key = peerKey(context);
    const call = this.#client.signal(metadata);
    call.write({
      kind: {
        $case: 'join',
        value: {
          sessionId: context.sessionId,
          peerId: context.peerId,
          role: roleToProto(context.role),
        },
      },
    });
    call.on('data', (message: SignalResponse) => {
      const response = message.kind?.value;
      if (!response) return;
      const waiting = peer.pending.get(response.callId);
      if (!waiting) return; // timed out already
      peer.pending.delete(response.callId);
      clearTimeout(waiting.timer);
      waiting.resolve(responseFromProto(response, waiting.id, waiting.method));
    });
    // Whatever ends the stream answers the requests still waiting; the next one reopens it.
    const finish = (error: AppError): void => {
      if (this.#peers.get(key) === peer) this.#peers.delete(key);
      for (const waiting of peer.pending.values()) {
        clearTimeout(waiting.timer);
        waiting.resolve(mediaFailure(waiting.id, waiting.method, error));
      }
      peer.pending.clear();
    };
    call.on('error', (error: ServiceError) => {
      if (error.code === GrpcStatus.CANCELLED) {
        finish(new AppError('cancelled', 'signaling stream cancelled'));
        return;
      }
      const appError = fromServiceError(error);
      this.#logger.warn(
        { session: context.sessionId, user: context.peerId, code: appError.code },
        'media signaling stream failed',
      );
      finish(appError);
    });
    call.on('end', () =>
      finish(new AppError('unavailable', 'media signaling stream ended', { retryable: true })),
    );
    return call;
  }

  async #watch(sessionId: string, watch: RoomWatch): Promise<void> {
    let metadata;
    try {
      metadata = await serviceMetadata(this.#tokens);
    } catch (error) {
      this.#watches.delete(sessionId);
      throw error;
    }
    if (watch.cancelled) return;
    const call = this.#client.watchRoom({ sessionId }, metadata);
    watch.call = call;
    let closedSeen = false;
    call.on('data', (message: RoomNotification) => {
      const notification = notificationFromProto(message);
      if (!notification) return;
      if (notification.notification === 'roomClosed') closedSeen = true;
      this.#emit(sessionId, notification);
    });
    const ended = (): void => {
      if (this.#watches.get(sessionId) === watch) this.#watches.delete(sessionId);
    };
    call.on('end', ended);
    call.on('error', (error: ServiceError) => {
      ended();
      if (watch.cancelled || error.code === GrpcStatus.CANCELLED || closedSeen) return;
      const appError = fromServiceError(error);
      this.#logger.warn({ session: sessionId, code: appError.code }, 'media room watch failed');
      // The browsers must learn that their room is gone with the connection: rejoining helps.
      this.#emit(sessionId, {
        notification: 'roomClosed',
        code: 'unavailable',
        message: 'lost the connection to the media service',
      });
    });
  }

  #stopWatch(sessionId: string, watch: RoomWatch): void {
    watch.cancelled = true;
    watch.call?.cancel();
    if (this.#watches.get(sessionId) === watch) this.#watches.delete(sessionId);
  }

  #emit(sessionId: string, notification: MediaNotification): void {
    for (const listener of this.#listeners) {
      try {
        listener(sessionId, notification);
      } catch (error) {
        this.#logger.error(
          { session: sessionId, err: error },
          'media notification listener failed',
        );
      }
    }
  }
}
