import { describe, expect, it } from 'vitest';
import { DedupeWindow, BusHandlerError, isRetryable } from '../src/index.js';
import { PartitionLog } from '../src/memory/PartitionLog.js';
import { RetryPolicy } from '../src/RetryPolicy.js';

describe('DedupeWindow', () => {
  it('remembers the most recent ids up to its capacity', () => {
    const window = new DedupeWindow(3);
    for (const id of ['a', 'b', 'c']) window.add(id);
    window.add('a'); // refreshed: now the newest
    window.add('d'); // evicts b, the oldest
    expect(['a', 'b', 'c', 'd'].map((id) => window.has(id))).toEqual([true, false, true, true]);
    expect(window.size).toBe(3);
  });
});

describe('PartitionLog', () => {
  it('assigns consecutive offsets and trims the oldest by count, bytes and age', () => {
    const log = new PartitionLog({ maxMessages: 100, maxBytes: 1_000, maxAgeMs: 60_000 });
    const value = new Uint8Array(10);
    for (let i = 0; i < 5_000; i++) expect(log.append('k', value, {}, 1_000)).toBe(i);
    expect(log.endOffset).toBe(5_000);
    expect(log.retainedMessages).toBe(100);
    expect(log.startOffset).toBe(4_900);
    expect(log.read(4_899)).toBeUndefined();
    expect(log.read(4_900)?.offset).toBe(4_900);
    expect(log.read(5_000)).toBeUndefined();

    log.append('k', new Uint8Array(600), {}, 1_000);
    expect(log.retainedBytes).toBeLessThanOrEqual(1_000);
    log.append('k', value, {}, 1_000 + 61_000); // everything else is older than a minute now
    expect(log.retainedMessages).toBe(1);
    expect(log.startOffset).toBe(5_001);
  });

  it('wakes a reader waiting at the end when a message arrives', async () => {
    const log = new PartitionLog();
    const controller = new AbortController();
    let woke = false;
    const waiting = log.waitForData(0, controller.signal).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    log.append('k', new Uint8Array(1), {}, Date.now());
    await waiting;
    expect(woke).toBe(true);
  });
});

describe('retry classification and backoff', () => {
  it('retries only errors that say retryable: true', () => {
    expect(isRetryable(new BusHandlerError('unavailable', 'x', { retryable: true }))).toBe(true);
    expect(isRetryable(new BusHandlerError('bad_input', 'x'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: true }))).toBe(true);
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(isRetryable('retryable')).toBe(false);
  });

  it('doubles the delay up to the bound, with jitter', () => {
    const policy = new RetryPolicy({ maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1_000 });
    for (let i = 0; i < 50; i++) {
      expect(policy.delayAfter(1)).toBeGreaterThanOrEqual(80);
      expect(policy.delayAfter(1)).toBeLessThanOrEqual(120);
      expect(policy.delayAfter(3)).toBeGreaterThanOrEqual(320);
      expect(policy.delayAfter(3)).toBeLessThanOrEqual(480);
      expect(policy.delayAfter(9)).toBeLessThanOrEqual(1_200);
    }
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
