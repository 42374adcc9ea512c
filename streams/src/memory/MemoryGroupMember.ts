import type { Subscription, SubscriptionStats } from '../Bus.js';
import type { BusLogger } from '../BusLogger.js';
import type { MessageProcessor } from '../MessageProcessor.js';
import type {
  GroupMember,
  MemoryConsumerGroup,
  PartitionAssignment,
} from './MemoryConsumerGroup.js';
import type { MemoryTopic } from './MemoryTopic.js';
import { PartitionWorker } from './PartitionWorker.js';
import type { Semaphore } from './Semaphore.js';

let memberCounter = 0;

/** One consumer of a group on a MemoryBus: reads the partitions the group assigns to it. */
export class MemoryGroupMember<T> implements Subscription, GroupMember {
  readonly memberId = `member-${++memberCounter}`;
  private workers: PartitionWorker<T>[] = [];
  private state: 'active' | 'closing' | 'closed' | 'crashed' = 'active';

  constructor(
    readonly topic: string,
    private readonly memoryTopic: MemoryTopic,
    private readonly consumerGroup: MemoryConsumerGroup,
    private readonly processor: MessageProcessor<T>,
    private readonly limiter: Semaphore | undefined,
    private readonly logger: BusLogger,
    private readonly onClosed: (member: MemoryGroupMember<T>) => void,
  ) {}

  get group(): string {
    return this.consumerGroup.groupId;
  }

  /** Partitions this member reads right now. */
  get assignedPartitions(): number[] {
    return this.workers.map((w) => w.partition);
  }

  stats(): SubscriptionStats {
    return { ...this.processor.stats };
  }

  assign(generation: number, assignments: PartitionAssignment[]): void {
    if (this.state !== 'active') return;
    this.workers = assignments.map(
      ({ partition, position }) =>
        new PartitionWorker<T>({
          topic: this.topic,
          partition,
          log: this.memoryTopic.logs[partition]!,
          position,
          processor: this.processor,
          commit: (next) => {
            this.consumerGroup.commit(partition, next, generation);
          },
          limiter: this.limiter,
          logger: this.logger,
        }),
    );
  }

  async revoke(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop()));
  }

  async close(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'closing';
    await this.consumerGroup.leave(this);
    this.state = 'closed';
    this.onClosed(this);
  }

  /**
   * Simulates the process dying: no in-flight handler is awaited and nothing more is committed,
   * so what it had not committed goes to the other members (or the next one to join).
   */
  async crash(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'crashed';
    for (const worker of this.workers) worker.crash();
    this.workers = [];
    this.onClosed(this);
    await this.consumerGroup.drop(this);
  }
}
