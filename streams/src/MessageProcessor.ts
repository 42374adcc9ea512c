import type { Delivery, MessageHandler, RawMessage, SubscriptionStats } from './Bus.js';
import { describeError, isRetryable } from './BusHandlerError.js';
import type { BusLogger } from './BusLogger.js';
import { HEADERS, deadLetterHeaders, type DeadLetterFailure } from './DeadLetter.js';
import type { DedupeWindow } from './DedupeWindow.js';
import type { ProcessedStore } from './ProcessedStore.js';
import type { RetryPolicy } from './RetryPolicy.js';
import type { Topic } from './Topic.js';

/** A message as a bus implementation reads it from a partition. */
export interface StoredRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Uint8Array | null;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * What became of a record. Every outcome but `abandoned` lets the offset advance and be committed;
 * `abandoned` (the subscription stopped while the record waited for a retry) leaves it uncommitted
 * so that the next owner of the partition gets it again.
 */
export type ProcessOutcome = 'handled' | 'duplicate' | 'dead-lettered' | 'dropped' | 'abandoned';

export interface MessageProcessorOptions<T> {
  topic: Topic<T>;
  /** Consumer group, or null for a tail. */
  group: string | null;
  handler: MessageHandler<T>;
  retry: RetryPolicy;
  dedupe: DedupeWindow;
  store: ProcessedStore | undefined;
  /** Sends the original bytes to `<topic>.dlq`; null for tails, which log and drop instead. */
  deadLetter: ((message: RawMessage) => Promise<void>) | null;
  logger: BusLogger;
}

/**
 * The delivery semantics both buses share, for one record at a time: decode and validate, skip
 * ids handled before, run the handler with bounded retries, dead-letter what cannot succeed.
 * The caller commits the offset after `process` resolves (at-least-once), unless `abandoned`.
 * Errors thrown here (the processed-store or the dead-letter publish failed) mean "not done":
 * the caller must not advance past the record.
 */
export class MessageProcessor<T> {
  readonly stats: SubscriptionStats = {
    received: 0,
    handled: 0,
    duplicates: 0,
    retries: 0,
    deadLettered: 0,
    dropped: 0,
  };
  private readonly scope: string;

  constructor(private readonly options: MessageProcessorOptions<T>) {
    this.scope = `${options.group ?? 'tail'}/${options.topic.name}`;
  }

  /**
   * `signal` aborts when the partition is taken away or the subscription stops: a handler that
   * runs is never interrupted, but a record waiting for its next retry is given back (abandoned).
   */
  async process(
    record: StoredRecord,
    signal: AbortSignal,
    /** Called between retries: Kafka heartbeats there, so a long retry keeps the membership. */
    beforeRetry?: () => Promise<void>,
  ): Promise<ProcessOutcome> {
    const { topic, dedupe, store, retry } = this.options;
    this.stats.received++;

    let value: T;
    let id: string;
    let key: string;
    try {
      value = topic.codec.decode(record.value ?? new Uint8Array(0));
      const problem = topic.problem(value);
      if (problem !== undefined) throw new Error(problem);
      id = record.headers[HEADERS.id] ?? topic.id(value);
      key = record.key ?? topic.key(value);
    } catch (error) {
      return this.fail(
        record,
        'malformed',
        `malformed message: ${describeError(error)}`,
        0,
        undefined,
      );
    }

    if (dedupe.has(id)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    if (store && (await store.isProcessed(this.scope, id))) {
      dedupe.add(id);
      this.stats.duplicates++;
      return 'duplicate';
    }

    for (let attempt = 1; ; attempt++) {
      const delivery: Delivery = {
        topic: topic.name,
        key,
        id,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        headers: record.headers,
        attempt,
      };
      try {
        await this.options.handler(value, delivery);
        break;
      } catch (error) {
        const reason = describeError(error);
        if (!isRetryable(error)) {
          return this.fail(record, 'rejected', reason, attempt, id);
        }
        if (attempt >= retry.maxAttempts) {
          return this.fail(
            record,
            'retries-exhausted',
            `retries exhausted after ${attempt} attempts: ${reason}`,
            attempt,
            id,
          );
        }
        if (signal.aborted) return 'abandoned';
        this.stats.retries++;
        this.options.logger.warn(
          { topic: topic.name, group: this.options.group, id, attempt, error: reason },
          'handler failed (retryable); retrying',
        );
        await abortableDelay(retry.delayAfter(attempt), signal);
        if (signal.aborted) return 'abandoned';
        await beforeRetry?.();
      }
    }

    if (store) await store.markProcessed(this.scope, id);
    dedupe.add(id);
    this.stats.handled++;
    return 'handled';
  }

  private async fail(
    record: StoredRecord,
    failure: DeadLetterFailure,
    reason: string,
    attempts: number,
    id: string | undefined,
  ): Promise<ProcessOutcome> {
    const { topic, group, logger, deadLetter, dedupe, store } = this.options;
    const fields = {
      topic: topic.name,
      group,
      partition: record.partition,
      offset: record.offset,
      key: record.key,
      id,
      failure,
      reason,
    };
    if (!deadLetter) {
      this.stats.dropped++;
      logger.error(fields, 'message failed on a tail subscription; dropped');
      if (id !== undefined) dedupe.add(id);
      return 'dropped';
    }
    const headers: Record<string, string> = {};
    // The original headers travel along (trace context, ids); ours describe the failure.
    for (const [name, value] of Object.entries(record.headers)) {
      if (!name.startsWith('lm-dlq-')) headers[name] = value;
    }
    Object.assign(
      headers,
      deadLetterHeaders({
        failure,
        reason,
        sourceTopic: topic.name,
        sourcePartition: record.partition,
        sourceOffset: record.offset,
        group: group ?? '',
        attempts,
        failedAt: new Date().toISOString(),
        id,
      }),
    );
    await deadLetter({
      key: record.key ?? '',
      value: record.value ?? new Uint8Array(0),
      headers,
    });
    this.stats.deadLettered++;
    logger.error(fields, 'message dead-lettered');
    if (id !== undefined) {
      // A dead-lettered message is done: a redelivery must not dead-letter it twice.
      if (store) await store.markProcessed(this.scope, id);
      dedupe.add(id);
    }
    return 'dead-lettered';
  }
}

/** Waits, or returns early when the signal aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
