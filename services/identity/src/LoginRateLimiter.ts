export interface LoginRateLimiterOptions {
  /** Failed logins from one IP address within the window before it must wait. */
  maxFailuresPerIp?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * Failed logins per client IP in a sliding window, in memory (one gateway process). The per-account
 * lock-out lives in the database (users.failed_logins / locked_until), so it holds across restarts
 * and gateway replicas; this guards against one address trying many accounts.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: LoginRateLimiterOptions = {}) {
    this.max = options.maxFailuresPerIp ?? 20;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until the address may try again, or 0. */
  retryAfterSeconds(ip: string): number {
    const recent = this.recent(ip);
    if (recent.length < this.max) return 0;
    const oldest = recent[recent.length - this.max] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  recordFailure(ip: string): void {
    const recent = this.recent(ip);
    recent.push(this.now());
    this.failures.set(ip, recent);
    // Bound memory under a spray of addresses: drop the oldest entries beyond a cap.
    if (this.failures.size > 100_000) {
      const first = this.failures.keys().next().value;
      if (first !== undefined) this.failures.delete(first);
    }
  }

  recordSuccess(ip: string): void {
    this.failures.delete(ip);
  }

  private recent(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) this.failures.delete(ip);
    return list;
  }
}
