import type { CommitHoldBack, SubscribeOptions } from './Bus.js';
import { BusError, describeError } from './BusHandlerError.js';
import type { BusLogger } from './BusLogger.js';

const DEFAULT_COMMIT_INTERVAL_MS = 1_000;

/**
 * What both buses do with a subscription's CommitHoldBack: which offset to commit on a partition
 * given how far the member has read, and when to bring commits up to date between messages.
 * Without a hold-back it commits how far the member has read, as before.
 */
export class HeldCommits {
  readonly intervalMs: number;

  private constructor(
    private readonly hold: CommitHoldBack | undefined,
    private readonly logger: BusLogger,
    private readonly scope: { topic: string; group: string },
  ) {
    this.intervalMs = hold?.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
  }

  /** Checks the options (a bad combination fails subscribe(), not the first commit). */
  static for(options: SubscribeOptions, logger: BusLogger, topic: string): HeldCommits {
    const hold = options.holdBack;
    if (hold) {
      if (options.dedupe?.store) {
        throw new BusError(
          'invalid_options',
          'holdBack cannot be combined with dedupe.store: held-back messages must be handled again by the next owner',
        );
      }
      const interval = hold.commitIntervalMs;
      if (interval !== undefined && !(Number.isFinite(interval) && interval >= 10)) {
        throw new BusError(
          'invalid_options',
          `holdBack.commitIntervalMs must be a number >= 10, got ${interval}`,
        );
      }
    }
    return new HeldCommits(hold, logger, { topic, group: options.group });
  }

  get active(): boolean {
    return this.hold !== undefined;
  }

  /**
   * The offset to commit on `partition` when the member's next unread offset is `next`: `next`,
   * or the subscriber's lowest needed offset when that is lower. Undefined means "commit nothing
   * now": the subscriber's callback failed, and committing past what it needs could lose data.
   */
  offsetToCommit(partition: number, next: string): string | undefined {
    if (!this.hold) return next;
    let needed: string | undefined;
    try {
      needed = this.hold.neededFrom(partition);
    } catch (error) {
      this.logger.error(
        { ...this.scope, partition, error: describeError(error) },
        'holdBack.neededFrom failed; not committing this partition now',
      );
      return undefined;
    }
    if (needed === undefined) return next;
    if (!/^[0-9]+$/.test(needed)) {
      this.logger.error(
        { ...this.scope, partition, needed },
        'holdBack.neededFrom returned no offset; not committing this partition now',
      );
      return undefined;
    }
    return BigInt(needed) < BigInt(next) ? needed : next;
  }

  /** Tells the subscriber which partitions it owns now (errors are its own; logged). */
  assigned(partitions: readonly number[]): void {
    try {
      this.hold?.assigned?.([...partitions].sort((a, b) => a - b));
    } catch (error) {
      this.logger.error(
        { ...this.scope, partitions, error: describeError(error) },
        'holdBack.assigned failed',
      );
    }
  }
}
