export interface WaitForOptions {
  /** How long to keep polling before failing (default 30 s). */
  timeoutMs?: number;
  /** Pause between polls (default 20 ms). */
  intervalMs?: number;
}

/** A value that counts as there: anything but undefined, null and false. */
export type Present<T> = Exclude<T, undefined | null | false>;

const present = (value: unknown) => value !== undefined && value !== null && value !== false;

/**
 * Polls `check` until its value passes `until` (by default: is present), and returns it. When time runs out it
 * fails with `what` and the last value seen, so a timed-out test says what it was waiting for.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitForOptions & { until: (value: T) => boolean },
): Promise<T>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options?: WaitForOptions,
): Promise<Present<T>>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitForOptions & { until?: (value: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 20, until = present } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (until(value)) return value;
    if (Date.now() > deadline) {
      const last = typeof value === 'boolean' ? '' : `; last: ${describe(value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}
