import { EventEmitter } from 'node:events';

/** Event name → listener arguments. */
export type EventMap = Record<string, unknown[]>;

/**
 * An EventEmitter whose event names and listener arguments are checked by the compiler, so a
 * renamed event or a changed payload breaks the build instead of silently never firing.
 */
export class TypedEventEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Rooms and taps are observed by a few parties (gateway, service, tests); no leak warnings.
    this.#emitter.setMaxListeners(Infinity);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return this.#emitter.emit(event, ...args);
  }
}
