import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import kafkajs from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
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
import { kafkaLogCreator } from './kafkaLogCreator.js';
import { KafkaSubscription, type KafkaConsumerTuning } from './KafkaSubscription.js';
import { KafkaTopicAdmin } from './KafkaTopicAdmin.js';
import { ProduceQueue } from './ProduceQueue.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

export type KafkaClientLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaBusOptions extends Partial<KafkaConsumerTuning> {
  /** `host:port` of one or more brokers. */
  brokers: readonly string[];
  clientId?: string;
  /** Put in front of every topic name (LM_TOPIC_PREFIX): isolates tests and tenants. */
  topicPrefix?: string;
  logger?: BusLogger;
  /** How much of kafkajs's own logging reaches the logger (default warn). */
  clientLogLevel?: KafkaClientLogLevel;
  /** For topics this bus creates; default: the broker's default.replication.factor. */
  replicationFactor?: number;
  connectionTimeoutMs?: number;
  /** A publish that the cluster has not acknowledged by then fails (retryable); default 30 s. */
  publishTimeoutMs?: number;
}

const CLIENT_LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/**
 * The Bus on Kafka, through kafkajs (the only module of the repository that imports it). Topics
 * are created on demand from the catalog, the producer is idempotent with one request in flight
 * (order per key survives retries), messages carry their id in the `lm-id` header, and keys are
 * placed with Kafka's default partitioner (the same function the MemoryBus uses).
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly admin: KafkaTopicAdmin;
  private readonly producer: Producer;
  private producerConnecting: Promise<void> | undefined;
  private readonly queue: ProduceQueue;
  private readonly subscriptions = new Set<Subscription>();
  private readonly prefix: string;
  private readonly logger: BusLogger;
  private readonly tuning: KafkaConsumerTuning;
  private readonly publishTimeoutMs: number;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0)
      throw new BusError('invalid_config', 'no Kafka brokers given');
    this.prefix = options.topicPrefix ?? '';
    this.logger = options.logger ?? silentLogger;
    this.tuning = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
      joinTimeoutMs: options.joinTimeoutMs ?? 60_000,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
    };
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.kafka = new KafkaClient({
      clientId: options.clientId ?? 'little-monster',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      logLevel: CLIENT_LOG_LEVELS[options.clientLogLevel ?? 'warn'],
      logCreator: kafkaLogCreator(this.logger),
    });
    this.admin = new KafkaTopicAdmin(this.kafka, this.logger, options.replicationFactor);
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every message already carries its partition (see send); this only covers a message
      // without one, with the same function, and keeps kafkajs from warning about its default.
      createPartitioner:
        () =>
        ({ partitionMetadata, message }) =>
          partitionForKey(message.key?.toString() ?? '', partitionMetadata.length),
    });
    this.queue = new ProduceQueue(this.producer);
  }

  topicName(topic: AnyTopic): string {
    return `${this.prefix}${topic.name}`;
  }

  async ensureTopics(topics: readonly AnyTopic[]): Promise<void> {
    this.assertOpen();
    await Promise.all(topics.map((topic) => this.ensureTopic(topic)));
  }

  async publish<T>(
    topic: Topic<T>,
    values: T | readonly T[],
    options: PublishOptions = {},
  ): Promise<PublishReceipt[]> {
    return this.send(topic, encodeMessages(topic, values, options));
  }

  publishRaw(topic: AnyTopic, messages: readonly RawMessage[]): Promise<PublishReceipt[]> {
    return this.send(topic, messages);
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
    const partitions = await this.ensureTopic(topic);
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
    return this.startSubscription(topic, {
      // Group ids get the prefix too, so isolated test runs never share a group.
      groupId: `${this.prefix}${options.group}`,
      mode: 'group',
      fromBeginning: options.fromBeginning ?? false,
      partitionsConsumedConcurrently: options.concurrency ?? partitions,
      processor,
      held,
    });
  }

  async tail<T>(
    topic: Topic<T>,
    handler: MessageHandler<T>,
    options: TailOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const partitions = await this.ensureTopic(topic);
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
    return this.startSubscription(topic, {
      // kafkajs consumes through a group; a tail's group is its own and never commits, so the
      // broker forgets it once the tail closes.
      groupId: `${this.prefix}tail.${topic.name}.${hostname()}.${process.pid}.${randomUUID()}`,
      mode: 'tail',
      fromBeginning: false,
      partitionsConsumedConcurrently: options.concurrency ?? partitions,
      processor,
      held: undefined,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.producerConnecting) await this.producer.disconnect();
    await this.admin.disconnect();
  }

  private async startSubscription<T>(
    topic: Topic<T>,
    spec: {
      groupId: string;
      mode: 'group' | 'tail';
      fromBeginning: boolean;
      partitionsConsumedConcurrently: number;
      processor: MessageProcessor<T>;
      held: HeldCommits | undefined;
    },
  ): Promise<Subscription> {
    const subscription = await KafkaSubscription.start<T>({
      kafka: this.kafka,
      admin: this.admin,
      topicName: this.topicName(topic),
      logicalName: topic.name,
      tuning: this.tuning,
      logger: this.logger,
      onClosed: (closed) => this.subscriptions.delete(closed),
      ...spec,
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async send(topic: AnyTopic, messages: readonly RawMessage[]): Promise<PublishReceipt[]> {
    this.assertOpen();
    if (messages.length === 0) return [];
    const partitions = await this.ensureTopic(topic);
    this.producerConnecting ??= this.producer.connect();
    await this.producerConnecting;
    const sending = this.queue.send(
      this.topicName(topic),
      messages.map((message) => ({
        id: message.headers?.[HEADERS.id] ?? '',
        key: message.key,
        // Placed here rather than by kafkajs, so the receipt knows the partition; same function.
        partition: partitionForKey(message.key, partitions),
        value: Buffer.from(
          message.value.buffer,
          message.value.byteOffset,
          message.value.byteLength,
        ),
        headers: message.headers ?? {},
      })),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(
              new BusError(
                'publish_timeout',
                `Kafka did not acknowledge a publish to ${topic.name} in ${this.publishTimeoutMs} ms`,
              ),
              { retryable: true },
            ),
          ),
        this.publishTimeoutMs,
      );
    });
    try {
      return await Promise.race([sending, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async ensureTopic(topic: AnyTopic): Promise<number> {
    const [partitions] = await Promise.all([
      this.admin.ensure({
        name: this.topicName(topic),
        partitions: topic.partitions,
        retentionMs: topic.retentionMs,
      }),
      topic.dlq
        ? this.admin.ensure({
            name: this.topicName(topic.dlq),
            partitions: topic.dlq.partitions,
            retentionMs: topic.dlq.retentionMs,
          })
        : undefined,
    ]);
    return partitions;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusError('bus_closed', 'the bus is closed');
  }
}
