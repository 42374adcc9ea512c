import type {
  Bus,
  MessageHandler,
  PublishOptions,
  PublishReceipt,
  RawMessage,
  SubscribeOptions,
  Subscription,
  TailOptions,
} from '../Bus.js';
import { BusError } from '../BusHandlerError.js';
import { silentLogger, type BusLogger } from '../BusLogger.js';
import { HEADERS } from '../DeadLetter.js';
import { DedupeWindow } from '../DedupeWindow.js';
import { encodeMessages } from '../encodeMessages.js';
import { HeldCommits } from '../HeldCommits.js';
import { MessageProcessor } from '../MessageProcessor.js';
import { partitionForKey } from '../partitioner.js';
import { RetryPolicy } from '../RetryPolicy.js';
import type { AnyTopic, Topic } from '../Topic.js';
import { MemoryGroupMember } from './MemoryGroupMember.js';
import { MemoryTail } from './MemoryTail.js';
import { MemoryTopic } from './MemoryTopic.js';
import type { MemoryRetention } from './PartitionLog.js';
import { Semaphore } from './Semaphore.js';

export interface MemoryBusOptions {
  /** Put in front of every topic name, as on Kafka (LM_TOPIC_PREFIX). */
  topicPrefix?: string;
  retention?: MemoryRetention;
  logger?: BusLogger;
}

/**
 * The embedded mode's bus, in one process, with Kafka's semantics: topics with partitions, keys
 * placed by Kafka's own partitioner (murmur2), ordered per partition, offsets, consumer groups that
 * share partitions and commit offsets after handling, redelivery of what a crashed member had not
 * committed, dead-letter topics, and retention that bounds memory. Values go through the codec
 * both ways, so consumers see exactly what a Kafka consumer would (and cannot share objects).
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly prefix: string;
  private readonly retention: MemoryRetention;
  private readonly logger: BusLogger;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.prefix = options.topicPrefix ?? '';
    this.retention = options.retention ?? {};
    this.logger = options.logger ?? silentLogger;
  }

  topicName(topic: AnyTopic): string {
    return `${this.prefix}${topic.name}`;
  }

  ensureTopics(topics: readonly AnyTopic[]): Promise<void> {
    // The Promise constructor turns a throw (bus closed) into a rejection, as on Kafka.
    return new Promise((resolve) => {
      this.assertOpen();
      for (const topic of topics) {
        this.memoryTopic(topic);
        if (topic.dlq) this.memoryTopic(topic.dlq);
      }
      resolve();
    });
  }

  publish<T>(
    topic: Topic<T>,
    values: T | readonly T[],
    options: PublishOptions = {},
  ): Promise<PublishReceipt[]> {
    return new Promise((resolve) =>
      resolve(this.append(topic, encodeMessages(topic, values, options))),
    );
  }

  publishRaw(topic: AnyTopic, messages: readonly RawMessage[]): Promise<PublishReceipt[]> {
    return new Promise((resolve) => resolve(this.append(topic, messages)));
  }

  private append(topic: AnyTopic, messages: readonly RawMessage[]): PublishReceipt[] {
    this.assertOpen();
    const target = this.memoryTopic(topic);
    const now = Date.now();
    const receipts = messages.map((message): PublishReceipt => {
      const partition = partitionForKey(message.key, target.logs.length);
      // Copy the bytes: the producer may reuse its buffer, as it may with Kafka.
      const value = Uint8Array.prototype.slice.call(message.value);
      const offset = target.logs[partition]!.append(
        message.key,
        value,
        { ...message.headers },
        now,
      );
      return {
        id: message.headers?.[HEADERS.id] ?? '',
        key: message.key,
        partition,
        offset: String(offset),
      };
    });
    return receipts;
  }

  async subscribe<T>(
    topic: Topic<T>,
    options: SubscribeOptions,
    handler: MessageHandler<T>,
  ): Promise<Subscription> {
    this.assertOpen();
    if (options.group === '')
      throw new BusError('invalid_group', 'a consumer group id is required');
    const held = HeldCommits.for(options, this.logger, topic.name);
    const target = this.memoryTopic(topic);
    if (topic.dlq) this.memoryTopic(topic.dlq);
    const dlq = topic.dlq;
    const processor = new MessageProcessor<T>({
      topic,
      group: options.group,
      handler,
      retry: new RetryPolicy(options.retry),
      dedupe: new DedupeWindow(options.dedupe?.windowSize),
      store: options.dedupe?.store,
      deadLetter: dlq
        ? async (message) => {
            await this.publishRaw(dlq, [message]);
          }
        : null,
      logger: this.logger,
    });
    const group = target.group(options.group, options.fromBeginning ?? false);
    const member = new MemoryGroupMember<T>(
      topic.name,
      target,
      group,
      processor,
      options.concurrency === undefined ? undefined : new Semaphore(options.concurrency),
      this.logger,
      (closed) => this.subscriptions.delete(closed),
      held,
    );
    this.subscriptions.add(member);
    await group.join(member);
    return member;
  }

  tail<T>(
    topic: Topic<T>,
    handler: MessageHandler<T>,
    options: TailOptions = {},
  ): Promise<Subscription> {
    return new Promise((resolve) => {
      this.assertOpen();
      const processor = new MessageProcessor<T>({
        topic,
        group: null,
        handler,
        retry: new RetryPolicy(options.retry),
        dedupe: new DedupeWindow(options.dedupeWindowSize),
        store: undefined,
        deadLetter: null,
        logger: this.logger,
      });
      const tail = new MemoryTail<T>(
        topic.name,
        this.memoryTopic(topic),
        processor,
        options.concurrency === undefined ? undefined : new Semaphore(options.concurrency),
        this.logger,
        (closed) => this.subscriptions.delete(closed),
      );
      this.subscriptions.add(tail);
      resolve(tail);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  /** For tests and the status page: what a partition holds now. */
  partitionState(topic: AnyTopic, partition: number) {
    const log = this.topics.get(this.topicName(topic))?.logs[partition];
    if (!log) return undefined;
    return {
      startOffset: log.startOffset,
      endOffset: log.endOffset,
      retainedMessages: log.retainedMessages,
      retainedBytes: log.retainedBytes,
    };
  }

  /** A group's committed next offset on a partition (undefined: none committed). */
  committedOffset(topic: AnyTopic, group: string, partition: number): number | undefined {
    return this.topics.get(this.topicName(topic))?.existingGroup(group)?.committedOffset(partition);
  }

  private memoryTopic(topic: AnyTopic): MemoryTopic {
    const name = this.topicName(topic);
    let target = this.topics.get(name);
    if (!target) {
      target = new MemoryTopic(name, topic.partitions, this.retention, this.logger);
      this.topics.set(name, target);
    }
    return target;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusError('bus_closed', 'the bus is closed');
  }
}
