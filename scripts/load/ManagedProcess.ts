import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A free TCP port on loopback (the OS picks it; a tiny race is acceptable for a test run). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * A TypeScript entry point run as one Node process (`node --import tsx`, so a signal reaches the
 * service itself, not a wrapper), its output in a log file, stopped with SIGTERM.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  start(): void {
    const log = createWriteStream(this.logFile);
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', () => {
      this.exited = true;
    });
    this.child = child;
  }

  /** Polls `url` until it answers 2xx; fails early if the process dies. */
  async waitReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited during start-up; see ${this.logFile}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(
      `${this.name} not ready at ${url} after ${timeoutMs / 1000} s; see ${this.logFile}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited) return;
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(timer);
  }
}
