import type { BusLogger } from '../BusLogger.js';
import { MemoryConsumerGroup } from './MemoryConsumerGroup.js';
import { PartitionLog, type MemoryRetention } from './PartitionLog.js';

/** A topic of a MemoryBus: its partition logs and its consumer groups. */
export class MemoryTopic {
  readonly logs: readonly PartitionLog[];
  private readonly groups = new Map<string, MemoryConsumerGroup>();

  constructor(
    readonly name: string,
    partitions: number,
    retention: MemoryRetention,
    private readonly logger: BusLogger,
  ) {
    this.logs = Array.from({ length: partitions }, () => new PartitionLog(retention));
  }

  /** The group, created on first use (where it starts is decided then, like Kafka's reset). */
  group(groupId: string, fromBeginning: boolean): MemoryConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryConsumerGroup(groupId, this.name, this.logs, fromBeginning, this.logger);
      this.groups.set(groupId, group);
    }
    return group;
  }

  existingGroup(groupId: string): MemoryConsumerGroup | undefined {
    return this.groups.get(groupId);
  }
}
