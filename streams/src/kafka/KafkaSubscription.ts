import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Subscription, SubscriptionStats } from '../Bus.js';
import { BusError, describeError } from '../BusHandlerError.js';
import type { BusLogger } from '../BusLogger.js';
import type { MessageProcessor, StoredRecord } from '../MessageProcessor.js';
import type { KafkaTopicAdmin } from './KafkaTopicAdmin.js';

export interface KafkaConsumerTuning {
  /** A member that stops heartbeating is dropped after this long (its partitions move). */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** How long subscribe() waits for the first partition assignment. */
  joinTimeoutMs: number;
  /** How long an idle fetch waits on the broker; also bounds how fast a close is noticed. */
  maxWaitTimeMs: number;
}

export interface KafkaSubscriptionOptions<T> {
  kafka: Kafka;
  admin: KafkaTopicAdmin;
  /** Physical topic name. */
  topicName: string;
  /** Logical (catalog) name, reported by `topic`. */
  logicalName: string;
  /** Kafka group id; a tail uses a fresh one of its own and never commits. */
  groupId: string;
  mode: 'group' | 'tail';
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  processor: MessageProcessor<T>;
  tuning: KafkaConsumerTuning;
  logger: BusLogger;
  onClosed: (subscription: KafkaSubscription<T>) => void;
}

/**
 * One kafkajs consumer behind the Subscription interface. Offsets are resolved only after the
 * processor is done with a record, and kafkajs commits resolved offsets (at the end of each batch,
 * every second, before a rebalance, and when the consumer stops), so delivery is at-least-once.
 *
 * Start position: a group with no committed offsets starts at the end of the topic as of
 * subscribe() (or at the beginning with fromBeginning): the end offsets are read before joining
 * and each assigned partition is seeked there on the first join, so nothing published after
 * subscribe() resolves can be missed. A tail does the same with a group of its own.
 */
export class KafkaSubscription<T> implements Subscription {
  readonly group: string | null;
  private readonly consumer: Consumer;
  private readonly controller = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: KafkaSubscriptionOptions<T>) {
    this.group = options.mode === 'group' ? options.groupId : null;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.tuning.sessionTimeoutMs,
      heartbeatInterval: options.tuning.heartbeatIntervalMs,
      maxWaitTimeInMs: options.tuning.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
  }

  get topic(): string {
    return this.options.logicalName;
  }

  static async start<T>(options: KafkaSubscriptionOptions<T>): Promise<KafkaSubscription<T>> {
    const subscription = new KafkaSubscription(options);
    await subscription.run();
    return subscription;
  }

  stats(): SubscriptionStats {
    return { ...this.options.processor.stats };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      // disconnect(): stop fetching, let the batch in flight finish its current record, commit the
      // resolved offsets, leave the group (the others rebalance at once), close the connections.
      await this.consumer.disconnect();
      this.options.onClosed(this);
    })();
    return this.closing;
  }

  private async run(): Promise<void> {
    const { admin, topicName, groupId, mode, fromBeginning, logger, tuning } = this.options;
    // Decide the start position before joining (see the class comment).
    let seekTo: Map<number, string> | undefined;
    if (mode === 'tail' || !fromBeginning) {
      const fresh = mode === 'tail' || !(await admin.hasCommittedOffsets(groupId, topicName));
      if (fresh) seekTo = await admin.latestOffsets(topicName);
    }

    let joined = false;
    let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const firstJoin = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      if (joined) return;
      joined = true;
      const assigned = payload.memberAssignment[topicName] ?? [];
      if (seekTo) {
        for (const partition of assigned) {
          const offset = seekTo.get(partition);
          if (offset !== undefined) this.consumer.seek({ topic: topicName, partition, offset });
        }
      }
      logger.debug(
        { topic: topicName, group: groupId, partitions: assigned },
        'joined consumer group',
      );
      settle?.resolve();
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      logger.error(
        {
          topic: topicName,
          group: groupId,
          error: describeError(payload.error),
          restart: payload.restart,
        },
        'Kafka consumer crashed',
      );
      if (!joined) settle?.reject(payload.error);
    });

    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topicName], fromBeginning });
    await this.consumer.run({
      autoCommit: mode === 'group',
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BusError(
              'join_timeout',
              `no partition assignment for group ${groupId} on ${topicName} after ${tuning.joinTimeoutMs} ms`,
            ),
          ),
        tuning.joinTimeoutMs,
      );
    });
    try {
      await Promise.race([firstJoin, timeout]);
    } catch (error) {
      await this.consumer.disconnect().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const signal = this.controller.signal;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || signal.aborted) break;
      // Heartbeats between retries keep the membership; one that reports a rebalance throws,
      // and the record (not resolved) goes to whoever owns the partition next.
      const outcome = await this.options.processor.process(
        toRecord(batch.partition, message),
        signal,
        () => payload.heartbeat(),
      );
      // Not resolved: the next owner of the partition (or this one after a restart) gets it again.
      if (outcome === 'abandoned') break;
      payload.resolveOffset(message.offset);
      // Errors here (a rebalance started) go to kafkajs, which commits what is resolved and rejoins.
      await payload.heartbeat();
      if (this.options.mode === 'group') await payload.commitOffsetsIfNecessary();
    }
  }
}

function toRecord(partition: number, message: KafkaMessage): StoredRecord {
  return {
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    value: message.value,
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    result[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return result;
}
