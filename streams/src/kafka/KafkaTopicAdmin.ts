import type { Admin, Kafka } from 'kafkajs';
import { describeError } from '../BusHandlerError.js';
import type { BusLogger } from '../BusLogger.js';

export interface TopicToEnsure {
  name: string;
  partitions: number;
  retentionMs: number | undefined;
}

/**
 * Creates topics on demand (the broker's auto-creation is off: a misspelt topic must fail) and
 * answers the offset questions subscriptions ask. Knows each topic's real partition count.
 */
export class KafkaTopicAdmin {
  private readonly admin: Admin;
  private connecting: Promise<void> | undefined;
  private readonly partitionCounts = new Map<string, Promise<number>>();

  constructor(
    kafka: Kafka,
    private readonly logger: BusLogger,
    private readonly replicationFactor: number | undefined,
  ) {
    this.admin = kafka.admin();
  }

  /** Makes sure the topic exists; resolves to its partition count. */
  ensure(topic: TopicToEnsure): Promise<number> {
    let count = this.partitionCounts.get(topic.name);
    if (!count) {
      count = this.create(topic);
      this.partitionCounts.set(topic.name, count);
      // A failure is not cached: the next call tries again.
      count.catch(() => this.partitionCounts.delete(topic.name));
    }
    return count;
  }

  /** The next offset to be written, per partition. */
  async latestOffsets(name: string): Promise<Map<number, string>> {
    await this.connect();
    const offsets = await this.retrying(() => this.admin.fetchTopicOffsets(name));
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  /** Whether the group has committed an offset on any partition of the topic. */
  async hasCommittedOffsets(groupId: string, name: string): Promise<boolean> {
    await this.connect();
    const result = await this.retrying(() => this.admin.fetchOffsets({ groupId, topics: [name] }));
    return result.some((t) => t.partitions.some((p) => p.offset !== '-1'));
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    this.connecting = undefined;
    await this.admin.disconnect();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.admin.connect();
    return this.connecting;
  }

  private async create(topic: TopicToEnsure): Promise<number> {
    await this.connect();
    const created = await this.retrying(() =>
      this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            ...(this.replicationFactor === undefined
              ? {}
              : { replicationFactor: this.replicationFactor }),
            ...(topic.retentionMs === undefined
              ? {}
              : { configEntries: [{ name: 'retention.ms', value: String(topic.retentionMs) }] }),
          },
        ],
      }),
    );
    const metadata = await this.retrying(() =>
      this.admin.fetchTopicMetadata({ topics: [topic.name] }),
    );
    const actual = metadata.topics[0]?.partitions.length ?? 0;
    if (actual < 1) throw new Error(`topic ${topic.name} has no partitions after creation`);
    if (created) {
      this.logger.info({ topic: topic.name, partitions: actual }, 'created Kafka topic');
    } else if (actual !== topic.partitions) {
      // Never repartition automatically: keys would move and per-key order would break.
      this.logger.warn(
        { topic: topic.name, partitions: actual, catalog: topic.partitions },
        'topic exists with a different partition count than the catalog; using it as it is',
      );
    }
    return actual;
  }

  /**
   * Retries what kafkajs marks retriable but does not retry itself: a new topic's metadata not yet
   * on the broker (UNKNOWN_TOPIC_OR_PARTITION), the offsets topic still being created on a fresh
   * broker (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS).
   */
  private async retrying<R>(operation: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= 20) throw error;
        this.logger.debug(
          { attempt, error: describeError(error) },
          'Kafka admin call failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  }
}
