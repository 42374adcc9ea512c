import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Subscription, SubscriptionStats } from '../Bus.js';
import { BusError, describeError } from '../BusHandlerError.js';
import type { BusLogger } from '../BusLogger.js';
import type { HeldCommits } from '../HeldCommits.js';
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
  /** A group's commit policy (hold-back); undefined for a tail, which never commits. */
  held: HeldCommits | undefined;
  tuning: KafkaConsumerTuning;
  logger: BusLogger;
  onClosed: (subscription: KafkaSubscription<T>) => void;
}

/**
 * One kafkajs consumer behind the Subscription interface. Offsets are resolved only after the
 * processor is done with a record, and kafkajs commits resolved offsets (at the end of each batch,
 * every second, before a rebalance, and when the consumer stops), so delivery is at-least-once.
 *
 * With a commit hold-back, kafkajs's auto-commit is off (it would commit everything resolved) and
 * this class commits itself: the offset HeldCommits allows, after a record at most once per
 * interval, on a timer in between, after the record in flight when closing, and before leaving.
 * Resolved offsets still drive where kafkajs fetches next; after a rebalance kafkajs starts again
 * from the committed (held-back) offsets, and the dedupe window skips what this member handled.
 *
 * A handler that runs long keeps the membership: the consumer heartbeats while it runs.
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
  /** With a hold-back: the partitions of the current assignment. */
  private assigned = new Set<number>();
  /** With a hold-back: the next offset to read per partition of the current assignment. */
  private readonly positions = new Map<number, string>();
  /** With a hold-back: what this member committed last per partition of the current assignment. */
  private readonly committed = new Map<number, string>();
  private lastCommitAt = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;

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

  private get holding(): boolean {
    return this.options.mode === 'group' && this.options.held?.active === true;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      clearInterval(this.commitTimer);
      // A need released since the last commit is committed while the consumer still runs (the
      // record in flight commits itself when it finishes: see eachBatch).
      if (this.holding) {
        await this.committing; // a timer's commit may have read the offsets before the release
        await this.commitHeld();
      }
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
      const assigned = payload.memberAssignment[topicName] ?? [];
      if (this.holding) {
        // A new generation: kafkajs reads on from the committed offsets, so positions restart.
        this.assigned = new Set(assigned);
        this.positions.clear();
        this.committed.clear();
        this.options.held?.assigned(assigned);
      }
      if (joined) return;
      joined = true;
      if (seekTo) {
        for (const partition of assigned) {
          const offset = seekTo.get(partition);
          if (offset === undefined) continue;
          this.consumer.seek({ topic: topicName, partition, offset });
          // Without auto-commit a seek is not committed: the timer commits it, so that a crash
          // before the first message does not send a restart to the end of the topic again.
          if (this.holding) this.positions.set(partition, offset);
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
      autoCommit: mode === 'group' && !this.holding,
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
    if (this.holding) {
      this.commitTimer = setInterval(() => void this.commitHeld(), this.options.held!.intervalMs);
      this.commitTimer.unref();
    }
    try {
      await Promise.race([firstJoin, timeout]);
    } catch (error) {
      clearInterval(this.commitTimer);
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
      // and the record (not resolved) goes to whoever owns the partition next. While the handler
      // runs, a timer heartbeats (kafkajs has no background heartbeat), so a long handler is not
      // taken for a dead member; its errors are left to the heartbeat after the record.
      const beat = setInterval(
        () => void payload.heartbeat().catch(() => undefined),
        this.options.tuning.heartbeatIntervalMs,
      );
      let outcome;
      try {
        outcome = await this.options.processor.process(
          toRecord(batch.partition, message),
          signal,
          () => payload.heartbeat(),
        );
      } finally {
        clearInterval(beat);
      }
      // Not resolved: the next owner of the partition (or this one after a restart) gets it again.
      if (outcome === 'abandoned') break;
      payload.resolveOffset(message.offset);
      // A batch of an older assignment must not commit for a partition that moved on.
      if (this.holding && this.assigned.has(batch.partition)) {
        this.positions.set(batch.partition, (BigInt(message.offset) + 1n).toString());
        if (signal.aborted || Date.now() - this.lastCommitAt >= this.options.held!.intervalMs) {
          // Through the batch payload: unlike consumer.commitOffsets, it still works while the
          // consumer stops (close() waits for this record).
          const offsets = this.heldOffsets([batch.partition]);
          this.lastCommitAt = Date.now();
          if (offsets.length > 0) {
            await payload.commitOffsetsIfNecessary({
              topics: [{ topic: batch.topic, partitions: offsets }],
            });
            this.remember(offsets);
          }
        }
      }
      // Errors here (a rebalance started) go to kafkajs, which commits what is resolved and rejoins.
      await payload.heartbeat();
      if (this.options.mode === 'group' && !this.holding) await payload.commitOffsetsIfNecessary();
    }
  }

  /** Commits the held-back offsets that moved since the last commit (timer and close). */
  private commitHeld(): Promise<void> {
    this.committing ??= (async () => {
      const offsets = this.heldOffsets([...this.positions.keys()]);
      this.lastCommitAt = Date.now();
      if (offsets.length === 0) return;
      try {
        await this.consumer.commitOffsets(
          offsets.map((o) => ({ topic: this.options.topicName, ...o })),
        );
        this.remember(offsets);
      } catch (error) {
        // A rebalance in progress or a lost connection: the next commit (or the next owner's
        // re-read from an older offset) covers it.
        this.options.logger.debug(
          {
            topic: this.options.topicName,
            group: this.options.groupId,
            error: describeError(error),
          },
          'held-back commit failed',
        );
      }
    })().finally(() => (this.committing = undefined));
    return this.committing;
  }

  /** What to commit per partition now: the held-back offset, where it differs from the last. */
  private heldOffsets(partitions: readonly number[]): { partition: number; offset: string }[] {
    const offsets: { partition: number; offset: string }[] = [];
    for (const partition of partitions) {
      const next = this.positions.get(partition);
      if (next === undefined) continue;
      const offset = this.options.held!.offsetToCommit(partition, next);
      if (offset !== undefined && offset !== this.committed.get(partition)) {
        offsets.push({ partition, offset });
      }
    }
    return offsets;
  }

  private remember(offsets: readonly { partition: number; offset: string }[]): void {
    for (const { partition, offset } of offsets) this.committed.set(partition, offset);
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
