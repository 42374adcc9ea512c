import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const mainScript = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The transcriber's own entry point (what its container runs) as a child process, so a test can
 * kill it the hard way (SIGKILL: no shutdown hook, no last commit) and start another.
 */
export class TranscriberProcess {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts `src/main.ts` with `env` on top of this process's; resolves once /readyz answers 200. */
  static async start(
    name: string,
    env: Record<string, string>,
    readyTimeoutMs = 60_000,
  ): Promise<TranscriberProcess> {
    const opsPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
      env: { ...process.env, ...env, OPS_HOST: '127.0.0.1', OPS_PORT: String(opsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const transcriber = new TranscriberProcess(name, child);
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited before it was ready:\n${transcriber.tail()}`);
      }
      const ready = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return transcriber;
      await new Promise((r) => setTimeout(r, 250));
    }
    transcriber.child.kill('SIGKILL');
    throw new Error(`${name} not ready within ${readyTimeoutMs} ms:\n${transcriber.tail()}`);
  }

  /** Its log lines (pino JSON) so far. */
  lines(): Record<string, unknown>[] {
    return this.output
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

  /** The end of its own log (pino lines only: whisper.cpp's native output is noise here). */
  tail(chars = 4000): string {
    return this.lines()
      .map((line) => JSON.stringify(line))
      .join('\n')
      .slice(-chars);
  }

  /** Dies at once, like a crashed or OOM-killed pod. */
  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Graceful stop (SIGTERM); SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
