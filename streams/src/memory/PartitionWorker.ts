import type { BusLogger } from '../BusLogger.js';
import { describeError } from '../BusHandlerError.js';
import { abortableDelay, type MessageProcessor } from '../MessageProcessor.js';
import type { PartitionLog } from './PartitionLog.js';
import type { Semaphore } from './Semaphore.js';

export interface PartitionWorkerOptions<T> {
  topic: string;
  partition: number;
  log: PartitionLog;
  /** Next offset to read. */
  position: number;
  processor: MessageProcessor<T>;
  /** Records progress (the next offset) after each record; null for tails, which never commit. */
  commit: ((nextOffset: number) => void) | null;
  limiter: Semaphore | undefined;
  logger: BusLogger;
}

/**
 * Reads one partition in order for one consumer: one record at a time, committing after each
 * (committing in memory costs nothing, so nothing handled is ever redelivered after a clean stop).
 */
export class PartitionWorker<T> {
  private readonly controller = new AbortController();
  private crashed = false;
  private readonly done: Promise<void>;
  private next: number;

  constructor(private readonly options: PartitionWorkerOptions<T>) {
    this.next = options.position;
    this.done = this.run();
  }

  get partition(): number {
    return this.options.partition;
  }

  /** The next offset to read: everything before it is done with (handled, skipped, dead-lettered). */
  get position(): number {
    return this.next;
  }

  /** Graceful: the record in flight finishes and is committed; then the worker ends. */
  stop(): Promise<void> {
    this.controller.abort();
    return this.done;
  }

  /**
   * Like a process that dies: the worker ends without committing anything more, even if the
   * handler in flight finishes later (its record will be delivered again to the next owner).
   */
  crash(): void {
    this.crashed = true;
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const { log, processor, commit, limiter, logger, topic, partition } = this.options;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      if (this.next < log.startOffset) {
        logger.warn(
          { topic, partition, from: this.next, to: log.startOffset },
          'retention removed messages before this consumer read them; skipping ahead',
        );
        this.next = log.startOffset;
      }
      const entry = log.read(this.next);
      if (!entry) {
        await log.waitForData(this.next, signal);
        continue;
      }
      await limiter?.acquire();
      let outcome;
      try {
        outcome = await processor.process(
          {
            partition,
            offset: String(entry.offset),
            key: entry.key,
            value: entry.value,
            headers: entry.headers,
            timestamp: entry.timestamp,
          },
          signal,
        );
      } catch (error) {
        // The dead-letter publish or the processed-store failed: the record is not done.
        logger.error(
          { topic, partition, offset: entry.offset, error: describeError(error) },
          'could not finish a message; trying it again',
        );
        await abortableDelay(500, signal);
        continue;
      } finally {
        limiter?.release();
      }
      if (this.crashed || outcome === 'abandoned') return;
      this.next = entry.offset + 1;
      commit?.(this.next);
    }
  }
}
