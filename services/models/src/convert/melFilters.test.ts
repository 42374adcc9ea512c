import { describe, expect, it } from 'vitest';
import { melFilters } from './melFilters.js';

describe('melFilters', () => {
  it('has whisper’s shape and Slaney-normalised triangles', () => {
    const f = melFilters(80);
    expect(f.length).toBe(80 * 201);
    // Every filter is non-negative and non-empty; filter 0 peaks near 0-60 Hz bins.
    for (let m = 0; m < 80; m++) {
      const row = f.subarray(m * 201, (m + 1) * 201);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...row)).toBeGreaterThan(0);
    }
    // Filter 0 by hand: the top mel (8 kHz) is 15 + ln(8)/(ln(6.4)/27); 82 points split it into
    // 81 steps, all below 1 kHz linear (200/3 Hz per mel). Bin 1 (40 Hz) sits on the falling edge.
    const step = ((15 + Math.log(8) / (Math.log(6.4) / 27)) / 81) * (200 / 3);
    const expected = ((2 * step - 40) / step) * (2 / (2 * step));
    expect(f[1]).toBeCloseTo(expected, 6);
    expect(f[2]).toBe(0);
    expect(f[0]).toBe(0);
  });
});
