import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type Logger } from '@lm/kit';
import type { AudioPurpose } from '@lm/proto/audio/v1/audio';
import { AudioTap, type AudioChunkSink, type AudioTapCloseEvent } from './AudioTap.js';
import type { MediaConfig } from './config.js';
import { MediaSignalingHandler, type RoomDirectory } from './MediaSignalingHandler.js';
import { MediaWorkerPool, type WorkerDiedEvent } from './MediaWorkerPool.js';
import { Room, type RoomCloseReason } from './Room.js';
import type { MediaNotification } from './signaling.js';
import { TypedEventEmitter } from './TypedEventEmitter.js';

export interface MediaServiceOptions {
  config: MediaConfig;
  logger: Logger;
  /** Receives every tapped producer's PCM chunks and end-of-stream markers. */
  sink: AudioChunkSink;
  purpose?: AudioPurpose;
}

export type MediaServiceEvents = {
  /** Something the clients of a session must hear about (the gateway sends it on their sockets). */
  notification: [{ sessionId: string; notification: MediaNotification }];
  roomclose: [{ sessionId: string; reason: RoomCloseReason }];
  /** An audio producer's tap is running: its PCM now flows to the sink. */
  tapstart: [{ sessionId: string; streamId: string; ffmpegPid: number | undefined }];
  tapclose: [AudioTapCloseEvent];
  workerdied: [WorkerDiedEvent];
};

/**
 * The media service's composition: a worker pool, one room per live session, an audio tap on each
 * audio producer, and the signaling handler the gateway calls.
 */
export class MediaService extends TypedEventEmitter<MediaServiceEvents> implements RoomDirectory {
  readonly pool: MediaWorkerPool;
  readonly signaling: MediaSignalingHandler;
  readonly #options: MediaServiceOptions;
  readonly #logger: Logger;
  readonly #rooms = new Map<string, Room>();
  readonly #opening = new Map<string, Promise<Room>>();
  readonly #taps = new Map<string, AudioTap>();
  #draining = false;

  static async start(options: MediaServiceOptions): Promise<MediaService> {
    const pool = await MediaWorkerPool.create({
      size: options.config.workers,
      logLevel: options.config.workerLogLevel,
      recreate: options.config.recreateWorkers,
      logger: options.logger,
      ...(options.config.workerBin ? { workerBin: options.config.workerBin } : {}),
    });
    return new MediaService(options, pool);
  }

  private constructor(options: MediaServiceOptions, pool: MediaWorkerPool) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'media' });
    this.pool = pool;
    this.signaling = new MediaSignalingHandler({ rooms: this, logger: options.logger });
    pool.on('workerdied', (event) => this.emit('workerdied', event));
  }

  getRoom(sessionId: string): Room | undefined {
    return this.#rooms.get(sessionId);
  }

  /** Rooms open now. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** True once drain() began: existing rooms go on, new ones are refused. */
  get draining(): boolean {
    return this.#draining;
  }

  /** The session's room, created on a live worker if it does not exist yet. */
  openRoom(sessionId: string): Promise<Room> {
    const existing = this.#rooms.get(sessionId);
    if (existing) return Promise.resolve(existing);
    if (this.#draining) {
      return Promise.reject(
        new AppError('unavailable', 'this media service is shutting down: no new rooms', {
          retryable: true,
        }),
      );
    }
    let opening = this.#opening.get(sessionId);
    if (!opening) {
      opening = this.#createRoom(sessionId).finally(() => this.#opening.delete(sessionId));
      this.#opening.set(sessionId, opening);
    }
    return opening;
  }

  closeRoom(sessionId: string): void {
    this.#rooms.get(sessionId)?.close();
  }

  /**
   * For a shutdown that lets live sessions finish: refuses new rooms, closes each room once its
   * last peer has left, and resolves when none is left or after `timeoutMs`, with the number of
   * rooms still open (close() ends those).
   */
  async drain(timeoutMs: number, pollMs = 1000): Promise<number> {
    this.#draining = true;
    const deadline = Date.now() + timeoutMs;
    this.#logger.info({ rooms: this.#rooms.size, timeoutMs }, 'draining media rooms');
    for (;;) {
      for (const room of [...this.#rooms.values()]) {
        if (room.peers.size === 0) room.close({ code: 'closed', message: 'media service drained' });
      }
      if (this.#rooms.size === 0 || Date.now() >= deadline) break;
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    }
    if (this.#rooms.size > 0)
      this.#logger.warn({ rooms: this.#rooms.size }, 'drain timed out: closing live rooms');
    return this.#rooms.size;
  }

  /** Closes every room (taps flush and end their streams), then the workers. */
  async close(): Promise<void> {
    const taps = [...this.#taps.values()];
    for (const room of this.#rooms.values()) room.close();
    await Promise.all(taps.map((tap) => tap.close('room closed')));
    await this.pool.close();
  }

  async #createRoom(sessionId: string): Promise<Room> {
    const { config } = this.#options;
    const room = await Room.create({
      sessionId,
      worker: this.pool.pick(),
      logger: this.#options.logger,
      network: {
        listenIp: config.listenIp,
        announcedAddress: config.announcedAddress,
        rtcMinPort: config.rtcMinPort,
        rtcMaxPort: config.rtcMaxPort,
      },
    });
    this.#rooms.set(sessionId, room);
    room.on('newproducer', ({ peerId, producer }) => {
      this.#notify(sessionId, {
        notification: 'newProducer',
        peerId,
        producerId: producer.id,
        kind: producer.kind,
      });
      if (producer.kind === 'audio') void this.#tap(room, producer);
    });
    room.on('producerclose', ({ peerId, producerId }) => {
      this.#notify(sessionId, { notification: 'producerClosed', peerId, producerId });
    });
    room.on('close', (reason) => {
      this.#rooms.delete(sessionId);
      this.#notify(sessionId, {
        notification: 'roomClosed',
        code: reason.code,
        message: reason.message,
      });
      this.emit('roomclose', { sessionId, reason });
    });
    return room;
  }

  async #tap(
    room: Room,
    producer: Parameters<typeof AudioTap.start>[0]['producer'],
  ): Promise<void> {
    const { config } = this.#options;
    try {
      const tap = await AudioTap.start({
        sessionId: room.sessionId,
        router: room.router,
        worker: room.worker,
        producer,
        sink: this.#options.sink,
        logger: this.#options.logger,
        tapIp: config.tapIp,
        tapMinPort: config.tapMinPort,
        tapMaxPort: config.tapMaxPort,
        chunkMs: config.chunkMs,
        ...(this.#options.purpose === undefined ? {} : { purpose: this.#options.purpose }),
      });
      this.#taps.set(producer.id, tap);
      tap.on('close', (event) => {
        this.#taps.delete(producer.id);
        this.emit('tapclose', event);
      });
      if (tap.closed) return; // the producer went away while ffmpeg was starting
      this.emit('tapstart', {
        sessionId: room.sessionId,
        streamId: tap.streamId,
        ffmpegPid: tap.ffmpegPid,
      });
    } catch (error) {
      // The call goes on without captions; loud, because captions are the point of the room.
      this.#logger.error(
        { session: room.sessionId, producer: producer.id, err: error },
        'could not tap audio producer: no captions for this stream',
      );
    }
  }

  #notify(sessionId: string, notification: MediaNotification): void {
    this.emit('notification', { sessionId, notification });
  }
}
