import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { ProcessedStore } from '../../src/index.js';

/**
 * The "effect" of the crash test: one line per handled message id, appended synchronously. It is
 * also the durable processed-store: an id in the file was handled, so the record of the effect and
 * the effect are one write — the exactly-once pattern a real service uses with a database.
 */
export class SinkFile implements ProcessedStore {
  constructor(readonly path: string) {}

  append(id: string): void {
    appendFileSync(this.path, `${id}\n`);
  }

  lines(): string[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  isProcessed(_scope: string, id: string): Promise<boolean> {
    return Promise.resolve(this.lines().includes(id));
  }

  /** Nothing to do: the handler's append already recorded it. */
  markProcessed(): Promise<void> {
    return Promise.resolve();
  }
}
