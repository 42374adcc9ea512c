/**
 * Liveness says the process works at all; readiness says it can take traffic now
 * (its dependencies answer). Each dependency registers a named check.
 */
export type HealthCheck = () => Promise<void> | void;

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private shuttingDown = false;
  private readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /** Registers a readiness check (e.g. "database", "bus"). */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** After this, readiness fails so load balancers stop sending traffic while we drain. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  liveness(): HealthReport {
    return { status: 'ok', checks: {} };
  }

  async readiness(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = {};
    if (this.shuttingDown) checks.shutdown = { ok: false, error: 'shutting down', ms: 0 };
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const started = performance.now();
        try {
          await withTimeout(Promise.resolve(check()), this.timeoutMs);
          checks[name] = { ok: true, ms: Math.round(performance.now() - started) };
        } catch (error) {
          checks[name] = {
            ok: false,
            error: error instanceof Error ? error.message : String(error),
            ms: Math.round(performance.now() - started),
          };
        }
      }),
    );
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'failing', checks };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
