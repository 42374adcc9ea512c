import { describe, expect, it } from 'vitest';
import {
  defaultWorkerBinaryPath,
  mediasoupVersion,
  resolveWorkerBinary,
} from '../src/workerBinary.js';

describe('worker binary lookup', () => {
  it('defaults to the setup script cache, keyed by the installed mediasoup version', () => {
    const version = mediasoupVersion();
    expect(version).toMatch(/^3\.\d+\.\d+$/);
    expect(defaultWorkerBinaryPath({ LM_CACHE_DIR: '/cache' })).toBe(
      `/cache/mediasoup-worker-${version}/mediasoup-worker`,
    );
  });

  it('fails with a message naming the setup script when the binary is missing', () => {
    expect(() => resolveWorkerBinary('/nonexistent/mediasoup-worker')).toThrow(
      /scripts\/setup\/mediasoup\.sh/,
    );
    expect(() => resolveWorkerBinary(undefined, { LM_CACHE_DIR: '/nonexistent' })).toThrow(
      /not found or not executable at \/nonexistent\/mediasoup-worker-/,
    );
  });
});
