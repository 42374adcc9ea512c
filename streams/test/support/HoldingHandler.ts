import type { CommitHoldBack, Delivery, MessageHandler } from '../../src/index.js';
import type { TestEvent } from './testTopic.js';

/** How often the hold-back tests' subscribers let the bus bring held commits up to date. */
export const HOLD_COMMIT_INTERVAL_MS = 100;
/** How long after its message a `release-later` note releases its key's hold. */
export const RELEASE_LATER_MS = 300;

/**
 * A stateful subscriber for the hold-back tests, steered by the events' notes: `hold` makes its key
 * need everything from that message on (like an utterance starting), `release` ends the need
 * in the handler, `release-later` ends it a little later outside any handler (like a decode that
 * finishes between chunks). Each handled id goes to `record` (a sink file in a child process).
 */
export class HoldingHandler {
  /** Per key: the partition and offset of the oldest message still needed. */
  private readonly holds = new Map<string, { partition: number; offset: bigint }>();
  readonly assignments: number[][] = [];

  constructor(
    private readonly record: (id: string, delivery: Delivery) => void = () => undefined,
  ) {}

  readonly handler: MessageHandler<TestEvent> = (event, delivery) => {
    this.record(delivery.id, delivery);
    if (event.note === 'hold' && !this.holds.has(event.key)) {
      this.holds.set(event.key, { partition: delivery.partition, offset: BigInt(delivery.offset) });
    } else if (event.note === 'release') {
      this.holds.delete(event.key);
    } else if (event.note === 'release-later') {
      setTimeout(() => this.holds.delete(event.key), RELEASE_LATER_MS);
    }
  };

  readonly holdBack: CommitHoldBack = {
    neededFrom: (partition) => {
      let lowest: bigint | undefined;
      for (const hold of this.holds.values()) {
        if (hold.partition === partition && (lowest === undefined || hold.offset < lowest)) {
          lowest = hold.offset;
        }
      }
      return lowest?.toString();
    },
    assigned: (partitions) => {
      this.assignments.push([...partitions]);
    },
    commitIntervalMs: HOLD_COMMIT_INTERVAL_MS,
  };
}

/** `count` distinct keys of the form `<prefix><n>` that land on `count` different partitions. */
export function keysOnDistinctPartitions(
  prefix: string,
  count: number,
  partitionOf: (key: string) => number,
): string[] {
  const byPartition = new Map<number, string>();
  for (let n = 0; byPartition.size < count; n++) {
    const key = `${prefix}${n}`;
    if (!byPartition.has(partitionOf(key))) byPartition.set(partitionOf(key), key);
  }
  return [...byPartition.values()];
}
