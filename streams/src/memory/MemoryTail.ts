import type { Subscription, SubscriptionStats } from '../Bus.js';
import type { BusLogger } from '../BusLogger.js';
import type { MessageProcessor } from '../MessageProcessor.js';
import type { MemoryTopic } from './MemoryTopic.js';
import { PartitionWorker } from './PartitionWorker.js';
import type { Semaphore } from './Semaphore.js';

/** Reads every partition of a MemoryBus topic from its end, with no group and no commits. */
export class MemoryTail<T> implements Subscription {
  readonly group = null;
  private readonly workers: PartitionWorker<T>[];
  private closed = false;

  constructor(
    readonly topic: string,
    memoryTopic: MemoryTopic,
    private readonly processor: MessageProcessor<T>,
    limiter: Semaphore | undefined,
    logger: BusLogger,
    private readonly onClosed: (tail: MemoryTail<T>) => void,
  ) {
    this.workers = memoryTopic.logs.map(
      (log, partition) =>
        new PartitionWorker<T>({
          topic,
          partition,
          log,
          position: log.endOffset,
          processor,
          commit: null,
          limiter,
          logger,
        }),
    );
  }

  stats(): SubscriptionStats {
    return { ...this.processor.stats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.stop()));
    this.onClosed(this);
  }
}
