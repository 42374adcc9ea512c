import type { Subscription, SubscriptionStats } from '../Bus.js';
import type { BusLogger } from '../BusLogger.js';
import type { HeldCommits } from '../HeldCommits.js';
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

/**
 * One consumer of a group on a MemoryBus: reads the partitions the group assigns to it, and
 * commits after each record (no further than a hold-back allows; with one, also on a timer, so
 * that a need released between records is committed too).
 */
export class MemoryGroupMember<T> implements Subscription, GroupMember {
  readonly memberId = `member-${++memberCounter}`;
  private workers: PartitionWorker<T>[] = [];
  private generation = 0;
  private state: 'active' | 'closing' | 'closed' | 'crashed' = 'active';
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    readonly topic: string,
    private readonly memoryTopic: MemoryTopic,
    private readonly consumerGroup: MemoryConsumerGroup,
    private readonly processor: MessageProcessor<T>,
    private readonly limiter: Semaphore | undefined,
    private readonly logger: BusLogger,
    private readonly onClosed: (member: MemoryGroupMember<T>) => void,
    private readonly held: HeldCommits,
  ) {
    if (held.active) {
      this.timer = setInterval(() => {
        if (this.state === 'active') for (const worker of this.workers) this.commit(worker);
      }, held.intervalMs);
      this.timer.unref();
    }
  }

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
    this.generation = generation;
    this.held.assigned(assignments.map((a) => a.partition));
    this.workers = assignments.map(
      ({ partition, position }) =>
        new PartitionWorker<T>({
          topic: this.topic,
          partition,
          log: this.memoryTopic.logs[partition]!,
          position,
          processor: this.processor,
          commit: (next) => this.commitAt(partition, next, generation),
          limiter: this.limiter,
          logger: this.logger,
        }),
    );
  }

  async revoke(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop()));
    // Once more after the last record: a need released since then is committed before the
    // partitions move (the group is still on this generation while it revokes).
    if (this.state !== 'crashed') for (const worker of workers) this.commit(worker);
  }

  async close(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'closing';
    await this.consumerGroup.leave(this);
    this.state = 'closed';
    clearInterval(this.timer);
    this.onClosed(this);
  }

  /**
   * Simulates the process dying: no in-flight handler is awaited and nothing more is committed,
   * so what it had not committed goes to the other members (or the next one to join).
   */
  async crash(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'crashed';
    clearInterval(this.timer);
    for (const worker of this.workers) worker.crash();
    this.workers = [];
    this.onClosed(this);
    await this.consumerGroup.drop(this);
  }

  private commit(worker: PartitionWorker<T>): void {
    this.commitAt(worker.partition, worker.position, this.generation);
  }

  private commitAt(partition: number, next: number, generation: number): void {
    const offset = this.held.offsetToCommit(partition, String(next));
    if (offset !== undefined) this.consumerGroup.commit(partition, Number(offset), generation);
  }
}
