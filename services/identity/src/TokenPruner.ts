import type { Logger } from '@lm/kit';
import type { LocalAccounts } from './LocalAccounts.js';

/**
 * Deletes expired refresh and password-reset tokens now and then, so the tables do not grow
 * with every login. The timer is unref'd (it never keeps a process alive); `stop` waits for a
 * prune under way.
 */
export class TokenPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly accounts: Pick<LocalAccounts, 'pruneExpiredTokens'>,
    private readonly logger: Logger,
    private readonly intervalMs = 60 * 60_000,
  ) {}

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => void this.pruneOnce(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** One prune; failures are logged (the next interval tries again). */
  pruneOnce(): Promise<void> {
    this.running ??= (async () => {
      try {
        const deleted = await this.accounts.pruneExpiredTokens();
        if (deleted > 0) this.logger.info({ deleted }, 'expired tokens pruned');
      } catch (error) {
        this.logger.warn({ err: error }, 'pruning expired tokens failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
