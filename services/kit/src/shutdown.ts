import type { Logger } from 'pino';

type Closer = { name: string; close: () => Promise<void> | void };

/**
 * Closes what a service opened, in reverse order, on SIGTERM/SIGINT or on request.
 * Each closer gets a share of the deadline; a hung closer is logged and skipped, so the
 * process always exits.
 */
export class GracefulShutdown {
  private readonly closers: Closer[] = [];
  private running: Promise<void> | undefined;
  private readonly signalHandler = (signal: NodeJS.Signals) => {
    this.logger.info({ signal }, 'shutdown requested');
    void this.shutdown().then(() => process.exit(0));
  };

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 15_000,
  ) {}

  /** Registers something to close; later registrations close first. */
  add(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  listen(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) process.once(signal, this.signalHandler);
  }

  shutdown(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  private async run(): Promise<void> {
    const deadline = Date.now() + this.deadlineMs;
    for (const closer of [...this.closers].reverse()) {
      const remaining = Math.max(100, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve(closer.close()),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`did not close within ${remaining} ms`)),
              remaining,
            );
          }),
        ]);
        this.logger.debug({ component: closer.name }, 'closed');
      } catch (error) {
        this.logger.error({ component: closer.name, err: error }, 'close failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
