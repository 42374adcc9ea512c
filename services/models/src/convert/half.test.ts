import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from './half.js';

describe('half precision', () => {
  it('round-trips representable values and rounds to nearest', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8])
      expect(halfToFloat(floatToHalf(v))).toBe(v);
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(halfToFloat(floatToHalf(0.1))).toBeCloseTo(0.1, 3);
    expect(floatToHalf(1e6)).toBe(0x7c00);
  });
});
