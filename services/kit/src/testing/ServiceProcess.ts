import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
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

export interface ServiceProcessOptions {
  /** For messages: "library", "embedded platform". */
  name: string;
  /** The TypeScript entry point, e.g. services/library/src/main.ts. */
  entry: string;
  /** Its whole environment. */
  env: NodeJS.ProcessEnv;
  /**
   * Where its output goes as well; then only the last 256 KiB stay in memory (a long load run),
   * otherwise all of it (a test reads its log lines).
   */
  logFile?: string;
}

const KEPT_WITH_LOG_FILE = 256 * 1024;

/**
 * A service's entry point run as one Node process (`node --import tsx`, so a signal reaches the
 * service itself, not a wrapper), as its container runs it: started, awaited until its readiness
 * URL answers, killed the hard way or stopped with SIGTERM.
 */
export class ServiceProcess {
  readonly child: ChildProcess;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private captured = '';
  private readonly log: WriteStream | undefined;

  private constructor(private readonly options: ServiceProcessOptions) {
    this.log = options.logFile ? createWriteStream(options.logFile) : undefined;
    this.child = spawn(process.execPath, ['--import', 'tsx', options.entry], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (data: Buffer) => {
      this.log?.write(data);
      this.captured += data.toString();
      if (this.log && this.captured.length > 2 * KEPT_WITH_LOG_FILE)
        this.captured = this.captured.slice(-KEPT_WITH_LOG_FILE);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        this.log?.end();
        resolve(code);
      }),
    );
  }

  get name(): string {
    return this.options.name;
  }

  /** Starts the process (not yet ready: see `ready`). */
  static spawn(options: ServiceProcessOptions): ServiceProcess {
    return new ServiceProcess(options);
  }

  /** Starts the process and waits until `readyUrl` answers 2xx. */
  static async start(
    options: ServiceProcessOptions & { readyUrl: string; readyTimeoutMs?: number },
  ): Promise<ServiceProcess> {
    const started = new ServiceProcess(options);
    try {
      await started.ready(options.readyUrl, options.readyTimeoutMs);
    } catch (error) {
      started.child.kill('SIGKILL');
      throw error;
    }
    return started;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `url` until it answers 2xx; fails at once, with the log's end, if the process dies. */
  async ready(url: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.tail()}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `${this.name} not ready at ${url} after ${timeoutMs / 1000} s:\n${this.tail()}`,
    );
  }

  /** Everything it wrote so far (the last 256 KiB of it with a log file). */
  output(): string {
    return this.captured;
  }

  /** Its structured log lines (pino JSON) so far; native libraries' output is left out. */
  lines(): Record<string, unknown>[] {
    return this.captured
      .split('\n')
      .filter((line) => line.startsWith('{"level"'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return []; // a line cut off by a kill
        }
      });
  }

  /** The end of its output, for an error message. */
  tail(chars = 3000): string {
    const where = this.options.logFile ? ` (all of it in ${this.options.logFile})` : '';
    return `${this.captured.slice(-chars)}${where}`;
  }

  /** Dies at once, like a crashed or OOM-killed pod. */
  async kill(): Promise<number | null> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Graceful stop (SIGTERM), SIGKILL if it has not exited in time; resolves with its exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
