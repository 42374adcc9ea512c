import type { ProcessedStore } from './ProcessedStore.js';
import type { RetryOptions } from './RetryPolicy.js';
import type { AnyTopic, Topic } from './Topic.js';

/** Where and how a message was delivered, next to its decoded value. */
export interface Delivery {
  /** Logical topic name from the catalog (without the bus's prefix). */
  readonly topic: string;
  readonly key: string;
  /** The message id (header `lm-id`, else computed by the topic): the dedupe key. */
  readonly id: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  readonly offset: string;
  /** Producer timestamp, ms since epoch. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
  /** 1 on the first try; higher while retryable failures are retried. */
  readonly attempt: number;
}

/**
 * Handles one message. Resolving acknowledges it (its offset is committed afterwards, unless the
 * subscription holds commits back: SubscribeOptions.holdBack); throwing
 * an error with `retryable: true` retries it with backoff, any other error dead-letters it.
 */
export type MessageHandler<T> = (value: T, delivery: Delivery) => void | Promise<void>;

export interface PublishOptions {
  /** Extra headers on every message (e.g. trace context). `lm-*` names are the bus's own. */
  headers?: Record<string, string>;
}

export interface PublishReceipt {
  id: string;
  key: string;
  partition: number;
  offset: string;
}

/** A message as bytes: for tools (replaying a dead letter) and tests (sending garbage). */
export interface RawMessage {
  key: string;
  value: Uint8Array;
  headers?: Record<string, string>;
}

export interface DedupeOptions {
  /** How many recent message ids each subscription remembers (default 10 000). */
  windowSize?: number;
  /** A durable record of handled ids, for exactly-once effects across restarts and crashes. */
  store?: ProcessedStore;
}

/**
 * Commit hold-back, for a subscriber whose state spans many messages and is lost with its process
 * (the transcriber's unfinished utterance). Normally a message's offset is committed once its
 * handler resolves; with a hold-back the group's committed offset on a partition advances only
 * to the lowest offset the subscriber still needs, so whoever owns the partition next (the same
 * service restarted after a crash, or another replica) reads again from there and rebuilds the
 * state. Messages before it are committed as usual.
 *
 * Both buses ask `neededFrom` whenever they commit: after each handled message (Kafka: at most
 * once per `commitIntervalMs`), every `commitIntervalMs` in between (so a need that ends outside
 * a handler, e.g. when a decode finishes, is committed without waiting for the next message), and
 * on a graceful close or rebalance. A crash loses at most the last interval's progress: the
 * next owner then re-reads a little more, never less.
 */
export interface CommitHoldBack {
  /**
   * The lowest offset (decimal string, as in `Delivery.offset`) of a message on `partition` that
   * this subscriber still needs, or undefined when it needs none of the messages it has handled.
   * Must be synchronous and cheap; it may be called while a handler runs.
   */
  neededFrom(partition: number): string | undefined;
  /**
   * Called with this member's partitions whenever the group assigns them (first join and every
   * rebalance): state kept for partitions no longer in the list belongs to another member now,
   * which re-reads it from the held-back offset.
   */
  assigned?(partitions: readonly number[]): void;
  /** How often held-back commits are brought up to date between messages (default 1000 ms). */
  commitIntervalMs?: number;
}

export interface SubscribeOptions {
  /** Consumer group: members of one group share the partitions; each group gets every message. */
  group: string;
  /**
   * Where a group that has no committed offsets starts: the oldest retained message (true) or the
   * end of the topic as of this call (false, the default). Committed offsets always win.
   */
  fromBeginning?: boolean;
  /** Partitions this member processes at the same time; one partition is always sequential. */
  concurrency?: number;
  retry?: RetryOptions;
  /**
   * A durable `store` cannot be combined with `holdBack`: held-back messages must be handled again
   * by the next owner, which the store would skip as done.
   */
  dedupe?: DedupeOptions;
  /** Keep the committed offsets behind messages the handler still needs (see CommitHoldBack). */
  holdBack?: CommitHoldBack;
}

export interface TailOptions {
  /** Partitions processed at the same time (default: all of them). */
  concurrency?: number;
  retry?: RetryOptions;
  /** Default 10 000 recent ids. */
  dedupeWindowSize?: number;
}

export interface SubscriptionStats {
  /** Messages taken from the log (including duplicates and dead letters). */
  received: number;
  /** Handler resolved. */
  handled: number;
  /** Skipped because their id was handled before (redelivery). */
  duplicates: number;
  /** Retries after retryable failures. */
  retries: number;
  /** Sent to `<topic>.dlq` (handler failures and malformed messages). */
  deadLettered: number;
  /** Dropped after a failure on a tail subscription (tails never dead-letter). */
  dropped: number;
}

export interface Subscription {
  readonly topic: string;
  /** The consumer group, or null for a tail. */
  readonly group: string | null;
  stats(): SubscriptionStats;
  /**
   * Graceful stop: no new messages are taken, handlers in flight finish, their offsets are
   * committed (no further than a hold-back allows), then the member leaves its group (its
   * partitions move to the others).
   */
  close(): Promise<void>;
}

/**
 * The event bus. KafkaBus and MemoryBus implement it with the same semantics: per-key order,
 * partitions, consumer groups with committed offsets, at-least-once delivery with dedupe by
 * message id, dead-letter topics, and commit hold-back for subscribers with state that spans
 * messages (a restarted consumer re-reads what its predecessor had not finished with).
 */
export interface Bus {
  readonly kind: 'kafka' | 'memory';
  /** The physical name of a topic on this bus (prefix + catalog name). */
  topicName(topic: AnyTopic): string;
  /** Creates topics (and their dead-letter companions) that do not exist yet. */
  ensureTopics(topics: readonly AnyTopic[]): Promise<void>;
  /** Publishes one message or many (in order); resolves when the bus has stored them. */
  publish<T>(
    topic: Topic<T>,
    values: T | readonly T[],
    options?: PublishOptions,
  ): Promise<PublishReceipt[]>;
  /** Publishes bytes as they are, bypassing the codec. */
  publishRaw(topic: AnyTopic, messages: readonly RawMessage[]): Promise<PublishReceipt[]>;
  /** Joins a consumer group; resolves once this member has its first partition assignment. */
  subscribe<T>(
    topic: Topic<T>,
    options: SubscribeOptions,
    handler: MessageHandler<T>,
  ): Promise<Subscription>;
  /**
   * Reads every partition from the end as of this call, with no group and no commits: each
   * caller sees every new message (fan-out, e.g. captions to the viewers one gateway holds).
   * Failures are logged and skipped, never dead-lettered (every tail would do it again).
   */
  tail<T>(
    topic: Topic<T>,
    handler: MessageHandler<T>,
    options?: TailOptions,
  ): Promise<Subscription>;
  /** Closes every subscription gracefully, then the connections. */
  close(): Promise<void>;
}
