import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from '../src/LoginRateLimiter.js';

describe('LoginRateLimiter', () => {
  it('makes an address wait after too many failures in the window, and forgets them later', () => {
    let now = 1_000_000;
    const limiter = new LoginRateLimiter({ maxFailuresPerIp: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBe(0);
      limiter.recordFailure('a');
      now += 1000;
    }
    expect(limiter.retryAfterSeconds('a')).toBe(57);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    now += 57_000;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });

  it('clears an address on success', () => {
    const limiter = new LoginRateLimiter({ maxFailuresPerIp: 1 });
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    limiter.recordSuccess('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });
});
