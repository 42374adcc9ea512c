import type { Delivery } from './Bus.js';

/** Header names the bus writes. Values are UTF-8 strings. */
export const HEADERS = {
  /** The message id, set by the producer. */
  id: 'lm-id',
  /** Why the message was dead-lettered: the error, or what was malformed. */
  reason: 'lm-dlq-reason',
  /** `malformed` | `rejected` (non-retryable error) | `retries-exhausted`. */
  failure: 'lm-dlq-failure',
  sourceTopic: 'lm-dlq-source-topic',
  sourcePartition: 'lm-dlq-source-partition',
  sourceOffset: 'lm-dlq-source-offset',
  group: 'lm-dlq-group',
  attempts: 'lm-dlq-attempts',
  failedAt: 'lm-dlq-failed-at',
} as const;

export type DeadLetterFailure = 'malformed' | 'rejected' | 'retries-exhausted';

/** What the headers of a message on a `.dlq` topic say about its failure. */
export interface DeadLetterInfo {
  failure: DeadLetterFailure;
  reason: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  group: string;
  attempts: number;
  failedAt: string;
  /** The original message id when it was known (absent for bytes that never decoded). */
  id: string | undefined;
}

export function deadLetterHeaders(info: DeadLetterInfo): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADERS.failure]: info.failure,
    [HEADERS.reason]: info.reason,
    [HEADERS.sourceTopic]: info.sourceTopic,
    [HEADERS.sourcePartition]: String(info.sourcePartition),
    [HEADERS.sourceOffset]: info.sourceOffset,
    [HEADERS.group]: info.group,
    [HEADERS.attempts]: String(info.attempts),
    [HEADERS.failedAt]: info.failedAt,
  };
  if (info.id !== undefined) headers[HEADERS.id] = info.id;
  return headers;
}

/** Reads the failure headers of a dead letter; undefined when the message carries none. */
export function readDeadLetter(delivery: Pick<Delivery, 'headers'>): DeadLetterInfo | undefined {
  const h = delivery.headers;
  const failure = h[HEADERS.failure];
  if (failure !== 'malformed' && failure !== 'rejected' && failure !== 'retries-exhausted') {
    return undefined;
  }
  return {
    failure,
    reason: h[HEADERS.reason] ?? '',
    sourceTopic: h[HEADERS.sourceTopic] ?? '',
    sourcePartition: Number(h[HEADERS.sourcePartition] ?? -1),
    sourceOffset: h[HEADERS.sourceOffset] ?? '',
    group: h[HEADERS.group] ?? '',
    attempts: Number(h[HEADERS.attempts] ?? 0),
    failedAt: h[HEADERS.failedAt] ?? '',
    id: h[HEADERS.id],
  };
}
