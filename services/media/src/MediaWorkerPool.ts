import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type Logger } from '@lm/kit';
import type { types } from 'mediasoup';
import { TypedEventEmitter } from './TypedEventEmitter.js';
import { loadMediasoup } from './workerBinary.js';

export interface MediaWorkerPoolOptions {
  /** Number of workers; one per core is mediasoup's advice (each worker is single-threaded). */
  size: number;
  logLevel?: types.WorkerLogLevel;
  /** Path of the worker binary; defaults to MEDIASOUP_WORKER_BIN or the setup script's cache. */
  workerBin?: string;
  /** Start a new worker in place of one that died, for rooms created afterwards. */
  recreate?: boolean;
  logger: Logger;
}

export interface WorkerDiedEvent {
  slot: number;
  pid: number;
  error: Error;
  /** Routers (rooms) that were running on it; they close themselves with reason 'worker-died'. */
  routers: number;
}

export type MediaWorkerPoolEvents = {
  /** A worker process died; its rooms are being closed. Never silent: also logged at error level. */
  workerdied: [WorkerDiedEvent];
  /** A replacement worker started in the slot of one that died. */
  workerreplaced: [{ slot: number; pid: number }];
};

/** Minimum delay between two replacements of the same slot, so a crash loop cannot spin. */
const RECREATE_BACKOFF_MS = 1000;

/** A fixed set of mediasoup workers; new rooms go to the least loaded live worker. */
export class MediaWorkerPool extends TypedEventEmitter<MediaWorkerPoolEvents> {
  readonly #options: MediaWorkerPoolOptions;
  readonly #logger: Logger;
  readonly #slots: (types.Worker | undefined)[];
  readonly #routers = new Map<types.Worker, number>();
  readonly #lastReplacedAt = new Map<number, number>();
  #closed = false;

  static async create(options: MediaWorkerPoolOptions): Promise<MediaWorkerPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new AppError('invalid_argument', `worker pool size must be >= 1 (got ${options.size})`);
    }
    const pool = new MediaWorkerPool(options);
    try {
      for (let slot = 0; slot < options.size; slot++) await pool.#start(slot);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private constructor(options: MediaWorkerPoolOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'media-worker-pool' });
    this.#slots = new Array<types.Worker | undefined>(options.size).fill(undefined);
  }

  /** Live workers (a slot whose worker died is empty until it is replaced). */
  get workers(): types.Worker[] {
    return this.#slots.filter((w): w is types.Worker => w !== undefined && !w.closed);
  }

  /** The live worker with the fewest routers. */
  pick(): types.Worker {
    let best: types.Worker | undefined;
    for (const worker of this.workers) {
      if (!best || (this.#routers.get(worker) ?? 0) < (this.#routers.get(best) ?? 0)) best = worker;
    }
    if (!best) throw new AppError('unavailable', 'no live media worker', { retryable: true });
    return best;
  }

  /** Closes every worker; resolves when their processes have exited (or after a timeout). */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const exits = this.#slots
      .filter((w): w is types.Worker => w !== undefined)
      .map((worker) => {
        const exited = worker.subprocessClosed
          ? Promise.resolve()
          : new Promise<void>((resolve) => worker.once('subprocessclose', resolve));
        worker.close();
        return exited;
      });
    this.#slots.fill(undefined);
    await Promise.race([Promise.all(exits), sleep(timeoutMs, undefined, { ref: false })]);
  }

  async #start(slot: number): Promise<types.Worker> {
    const mediasoup = await loadMediasoup(this.#options.workerBin);
    const worker = await mediasoup.createWorker({
      logLevel: this.#options.logLevel ?? 'warn',
      appData: { slot },
    });
    if (this.#closed) {
      worker.close();
      throw new AppError('unavailable', 'worker pool closed');
    }
    this.#slots[slot] = worker;
    this.#routers.set(worker, 0);
    worker.observer.on('newrouter', (router) => {
      this.#routers.set(worker, (this.#routers.get(worker) ?? 0) + 1);
      router.observer.on('close', () => {
        // A dying worker closes its routers before it emits 'died': keep them counted for it.
        if (worker.died) return;
        this.#routers.set(worker, Math.max(0, (this.#routers.get(worker) ?? 1) - 1));
      });
    });
    worker.on('died', (error) => this.#onDied(slot, worker, error));
    this.#logger.info({ slot, pid: worker.pid }, 'media worker started');
    return worker;
  }

  #onDied(slot: number, worker: types.Worker, error: Error): void {
    const routers = this.#routers.get(worker) ?? 0;
    this.#routers.delete(worker);
    if (this.#slots[slot] === worker) this.#slots[slot] = undefined;
    this.#logger.error(
      { slot, pid: worker.pid, routers, err: error },
      'MEDIA WORKER DIED: its rooms are being closed',
    );
    this.emit('workerdied', { slot, pid: worker.pid, error, routers });
    if (this.#closed || !(this.#options.recreate ?? true)) return;

    const last = this.#lastReplacedAt.get(slot) ?? 0;
    const wait = Math.max(0, last + RECREATE_BACKOFF_MS - Date.now());
    setTimeout(() => {
      if (this.#closed) return;
      this.#lastReplacedAt.set(slot, Date.now());
      this.#start(slot).then(
        (replacement) => this.emit('workerreplaced', { slot, pid: replacement.pid }),
        (startError: unknown) =>
          this.#logger.error({ slot, err: startError }, 'could not replace dead media worker'),
      );
    }, wait).unref();
  }
}
