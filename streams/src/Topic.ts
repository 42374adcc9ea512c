import { createHash } from 'node:crypto';
import { rawBytesCodec, type Codec } from './Codec.js';

/**
 * One topic of the bus: its versioned name, how values are encoded, which key orders them and
 * which id makes them idempotent. Producers and consumers are typed by it.
 *
 * Functions taking a value are declared as methods on purpose: method parameters are bivariant,
 * so any `Topic<X>` can be passed where a `Topic<unknown>` (AnyTopic) is expected.
 */
export interface Topic<T> {
  /** Kafka topic name, with a version: `lm.audio.v1`. A bus may add a prefix (LM_TOPIC_PREFIX). */
  readonly name: string;
  readonly codec: Codec<T>;
  /** Partitions a new topic gets; fixed once created, since keys would move. */
  readonly partitions: number;
  /** How long Kafka keeps messages (Strimzi `retention.ms`); undefined: the broker's default. */
  readonly retentionMs: number | undefined;
  readonly description: string;
  /** The companion dead-letter topic `<name>.dlq`; undefined on a dead-letter topic itself. */
  readonly dlq: Topic<Buffer> | undefined;
  /** The ordering key: messages with one key go to one partition and stay in order. */
  key(value: T): string;
  /** Deterministic message id: the same logical message always gets the same id (dedupe). */
  id(value: T): string;
  /** A reason the decoded value is unusable (e.g. no session id), or undefined when it is fine. */
  problem(value: T): string | undefined;
}

/** Any topic, whatever its value type. */
export type AnyTopic = Topic<unknown>;

/** The value type a topic carries. */
export type TopicValue<X> = X extends Topic<infer T> ? T : never;

export interface TopicSpec<T> {
  name: string;
  codec: Codec<T>;
  key: (value: T) => string;
  id: (value: T) => string;
  partitions: number;
  retentionMs?: number;
  description?: string;
  /** Checks a decoded value; a returned reason sends the message to the dead-letter topic. */
  validate?: (value: T) => string | undefined;
  /** Partitions of the dead-letter companion (default 1: it is small and read by people). */
  dlqPartitions?: number;
}

export class TopicDefinitionError extends Error {
  override readonly name = 'TopicDefinitionError';
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,200}$/;
const VERSIONED = /\.v[0-9]+$/;

export const DLQ_SUFFIX = '.dlq';

/** Declares a topic and its dead-letter companion. */
export function defineTopic<T>(spec: TopicSpec<T>): Topic<T> {
  if (!TOPIC_NAME.test(spec.name)) {
    throw new TopicDefinitionError(
      `topic name ${JSON.stringify(spec.name)} is not a valid Kafka name`,
    );
  }
  if (!VERSIONED.test(spec.name)) {
    throw new TopicDefinitionError(`topic name ${spec.name} must end with a version, e.g. .v1`);
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new TopicDefinitionError(`topic ${spec.name}: partitions must be a positive integer`);
  }
  const dlq = deadLetterTopic(spec.name, spec.dlqPartitions ?? 1);
  return {
    name: spec.name,
    codec: spec.codec,
    partitions: spec.partitions,
    retentionMs: spec.retentionMs,
    description: spec.description ?? '',
    dlq,
    key: spec.key,
    id: spec.id,
    problem: (value) => spec.validate?.(value),
  };
}

/**
 * `<name>.dlq`: the original bytes, the original key, and the failure in headers (see DeadLetter).
 * Values are raw bytes, so their key and id come from the content when published directly.
 */
function deadLetterTopic(sourceName: string, partitions: number): Topic<Buffer> {
  const digest = (value: Buffer) => createHash('sha256').update(value).digest('hex').slice(0, 32);
  return {
    name: `${sourceName}${DLQ_SUFFIX}`,
    codec: rawBytesCodec,
    partitions,
    retentionMs: 30 * 24 * 3600 * 1000,
    description: `Messages of ${sourceName} that could not be processed, with the reason in headers.`,
    dlq: undefined,
    key: digest,
    id: digest,
    problem: () => undefined,
  };
}
