import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing/index.js';

describe('waitFor', () => {
  it('returns the first value that is present', async () => {
    let polls = 0;
    const value = await waitFor('the third poll', () => (++polls >= 3 ? { polls } : undefined), {
      intervalMs: 1,
    });
    expect(value).toEqual({ polls: 3 });
  });

  it('takes its own test of a good value, and awaits async checks', async () => {
    let n = 0;
    const value = await waitFor('n to reach 2', () => Promise.resolve(n++), {
      intervalMs: 1,
      until: (v) => v >= 2,
    });
    expect(value).toBe(2);
  });

  it('fails with what it waited for and the last value', async () => {
    await expect(
      waitFor('a miracle', () => ({ state: 'running' }), {
        timeoutMs: 30,
        intervalMs: 5,
        until: (v) => v.state === 'done',
      }),
    ).rejects.toThrow(/timed out after 30 ms waiting for a miracle; last: \{"state":"running"\}/);
    await expect(waitFor('a flag', () => false, { timeoutMs: 10, intervalMs: 5 })).rejects.toThrow(
      /waiting for a flag$/,
    );
  });
});
