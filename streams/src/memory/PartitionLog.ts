/** One stored message of a MemoryBus partition. */
export interface LogEntry {
  readonly offset: number;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
}

/**
 * How much a MemoryBus keeps per partition. Like Kafka's retention, old messages go whatever
 * their consumers' positions: a consumer that falls behind the retained range skips ahead.
 * The bound keeps memory flat in a long embedded run (hours of audio).
 */
export interface MemoryRetention {
  /** Default 5 000 messages. */
  maxMessages?: number;
  /** Default 8 MiB of values per partition. */
  maxBytes?: number;
  /** Default 15 minutes. */
  maxAgeMs?: number;
}

/**
 * An append-only log with offsets for one partition, trimmed from the front by retention.
 * Readers wait for new entries with `waitForData`.
 */
export class PartitionLog {
  private entries: LogEntry[] = [];
  // Index in `entries` of the oldest retained entry; trimmed entries are compacted away lazily.
  private head = 0;
  private nextOffset = 0;
  private bytes = 0;
  private waiters = new Set<() => void>();
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;

  constructor(retention: MemoryRetention = {}) {
    this.maxMessages = retention.maxMessages ?? 5_000;
    this.maxBytes = retention.maxBytes ?? 8 * 1024 * 1024;
    this.maxAgeMs = retention.maxAgeMs ?? 15 * 60 * 1000;
  }

  /** Offset of the oldest retained message (equals endOffset when none is retained). */
  get startOffset(): number {
    return this.entries[this.head]?.offset ?? this.nextOffset;
  }

  /** Offset the next message will get. */
  get endOffset(): number {
    return this.nextOffset;
  }

  get retainedMessages(): number {
    return this.entries.length - this.head;
  }

  get retainedBytes(): number {
    return this.bytes;
  }

  append(
    key: string,
    value: Uint8Array,
    headers: Record<string, string>,
    timestamp: number,
  ): number {
    const offset = this.nextOffset++;
    this.entries.push({ offset, key, value, headers, timestamp });
    this.bytes += value.byteLength;
    this.trim(timestamp);
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
    return offset;
  }

  /** The entry at `offset`, or undefined when it is not written yet or no longer retained. */
  read(offset: number): LogEntry | undefined {
    const index = this.head + (offset - this.startOffset);
    if (offset < this.startOffset || index >= this.entries.length) return undefined;
    return this.entries[index];
  }

  /** Resolves once a message at or after `offset` exists, or when the signal aborts. */
  waitForData(offset: number, signal: AbortSignal): Promise<void> {
    if (offset < this.nextOffset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private trim(now: number): void {
    const oldestAllowed = now - this.maxAgeMs;
    while (this.head < this.entries.length) {
      const oldest = this.entries[this.head]!;
      const over =
        this.entries.length - this.head > this.maxMessages ||
        this.bytes > this.maxBytes ||
        oldest.timestamp < oldestAllowed;
      // The newest message always stays, so that a consumer at the end can still read it.
      if (!over || this.head === this.entries.length - 1) break;
      this.bytes -= oldest.value.byteLength;
      this.head++;
    }
    // Compact once the dead prefix is large, so trimming costs O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
