export interface RetryOptions {
  /** Tries in all, the first included (default 5); then the message is dead-lettered. */
  maxAttempts?: number;
  /** Wait before the second try (default 200 ms); doubles each time, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Bounded exponential backoff for retryable handler failures. A partition waits while its message
 * is retried (order per key is kept), so the bound is small: 5 tries take about 3 s by default.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialDelayMs = options.initialDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`retry.maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
    if (!(this.initialDelayMs >= 0) || !(this.maxDelayMs >= this.initialDelayMs)) {
      throw new RangeError('retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
    }
  }

  /** The wait after a failed try number `attempt` (1-based), with ±20 % jitter against lockstep. */
  delayAfter(attempt: number): number {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
