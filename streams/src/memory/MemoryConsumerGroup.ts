import type { BusLogger } from '../BusLogger.js';
import type { PartitionLog } from './PartitionLog.js';

/** A partition handed to a member, and where to start reading it. */
export interface PartitionAssignment {
  partition: number;
  position: number;
}

/** What the group needs from each of its members. */
export interface GroupMember {
  readonly memberId: string;
  /** Starts reading the given partitions; `generation` fences commits of older assignments. */
  assign(generation: number, assignments: PartitionAssignment[]): void;
  /** Stops reading gracefully: in-flight records finish and are committed. */
  revoke(): Promise<void>;
}

/**
 * A consumer group on one MemoryBus topic: committed offsets per partition, and the assignment of
 * partitions to members. Rebalances are eager, like Kafka's classic protocol: every member stops
 * (finishing and committing its in-flight record), then partitions are dealt out again and each
 * member resumes from the committed offsets. Rebalances run one at a time.
 */
export class MemoryConsumerGroup {
  private readonly committed: (number | undefined)[];
  private members: GroupMember[] = [];
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly topicName: string,
    private readonly logs: readonly PartitionLog[],
    fromBeginning: boolean,
    private readonly logger: BusLogger,
  ) {
    // A new group starts at the end as of its creation, or at the oldest retained message.
    this.committed = logs.map((log) => (fromBeginning ? undefined : log.endOffset));
  }

  get memberCount(): number {
    return this.members.length;
  }

  /** Next offset the group will read on a partition (undefined: from the oldest retained). */
  committedOffset(partition: number): number | undefined {
    return this.committed[partition];
  }

  join(member: GroupMember): Promise<void> {
    return this.rebalance(() => {
      this.members.push(member);
    }, []);
  }

  /** A member leaving cleanly: its in-flight work finishes and is committed first. */
  leave(member: GroupMember): Promise<void> {
    return this.rebalance(() => {
      this.members = this.members.filter((m) => m !== member);
    }, [member]);
  }

  /** A member that died: nothing of it is awaited; its partitions go to the others. */
  drop(member: GroupMember): Promise<void> {
    this.members = this.members.filter((m) => m !== member);
    return this.rebalance(() => undefined, []);
  }

  /** Records progress; ignored when it comes from an assignment older than the current one. */
  commit(partition: number, nextOffset: number, generation: number): boolean {
    if (generation !== this.generation) return false;
    this.committed[partition] = nextOffset;
    return true;
  }

  private rebalance(change: () => void, alsoRevoke: GroupMember[]): Promise<void> {
    const run = async () => {
      await Promise.all([...this.members, ...alsoRevoke].map((m) => m.revoke()));
      change();
      this.generation++;
      const generation = this.generation;
      const count = this.members.length;
      const plan = new Map<GroupMember, PartitionAssignment[]>(this.members.map((m) => [m, []]));
      this.logs.forEach((log, partition) => {
        const owner = this.members[partition % count];
        if (!owner) return;
        plan
          .get(owner)!
          .push({ partition, position: this.committed[partition] ?? log.startOffset });
      });
      for (const [member, assignments] of plan) member.assign(generation, assignments);
      this.logger.debug(
        {
          topic: this.topicName,
          group: this.groupId,
          generation,
          members: [...plan].map(([m, a]) => ({
            member: m.memberId,
            partitions: a.map((x) => x.partition),
          })),
        },
        'group rebalanced',
      );
    };
    this.queue = this.queue.then(run, run);
    return this.queue;
  }
}
