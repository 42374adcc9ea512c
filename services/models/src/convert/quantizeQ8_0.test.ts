import { describe, expect, it } from 'vitest';
import { Q8_0_BLOCK, quantizeQ8_0 } from './ct2WhisperToGgml.js';
import { halfToFloat } from './half.js';

function f32Bytes(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** Reads q8_0 blocks back to floats (scale × byte), as ggml dequantises them. */
function dequantize(q: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < q.length; at += 2 + Q8_0_BLOCK) {
    const d = halfToFloat(q.readUInt16LE(at));
    for (let j = 0; j < Q8_0_BLOCK; j++) out.push(d * q.readInt8(at + 2 + j));
  }
  return out;
}

describe('quantizeQ8_0', () => {
  it('stores each block of 32 as an f16 scale (max |x| / 127) and 32 signed bytes', () => {
    const block = Array.from({ length: Q8_0_BLOCK }, (_, i) => (i - 16) / 8); // -2 … 1.875
    const q = quantizeQ8_0(f32Bytes([...block, ...new Array<number>(Q8_0_BLOCK).fill(0)]));
    expect(q.length).toBe(2 * (2 + Q8_0_BLOCK));
    expect(halfToFloat(q.readUInt16LE(0))).toBeCloseTo(2 / 127, 5);
    expect(q.readInt8(2)).toBe(-127); // the largest magnitude maps to ±127
    expect(q.readInt8(2 + 16)).toBe(0);
    // Half away from zero, as C's roundf: 0.5 / (2/127) = 31.75 → 32.
    expect(q.readInt8(2 + 20)).toBe(32);
    // An all-zero block has scale 0 and zero bytes.
    expect(q.readUInt16LE(2 + Q8_0_BLOCK)).toBe(0);
    expect([...q.subarray(2 + Q8_0_BLOCK + 2)].every((b) => b === 0)).toBe(true);
  });

  it("round-trips real-valued weights within half a step, plus the f16 scale's rounding", () => {
    let state = 7;
    const values = Array.from({ length: 8 * Q8_0_BLOCK }, () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return (state / 0xffffffff - 0.5) * 0.2;
    });
    const back = dequantize(quantizeQ8_0(f32Bytes(values)));
    for (let b = 0; b < 8; b++) {
      const block = values.slice(b * Q8_0_BLOCK, (b + 1) * Q8_0_BLOCK);
      const step = Math.max(...block.map(Math.abs)) / 127;
      block.forEach((v, j) => {
        // Rounding to a byte: half a step; the f16 scale (11 bits) is off by up to 2^-11 of
        // itself, which a byte of up to 127 multiplies: 127 / 2048 ≈ 0.06 of a step.
        expect(Math.abs((back[b * Q8_0_BLOCK + j] ?? NaN) - v)).toBeLessThanOrEqual(step * 0.57);
      });
    }
  });

  it('refuses a row that is not a whole number of blocks', () => {
    expect(() => quantizeQ8_0(f32Bytes([1, 2, 3]))).toThrow(/multiple of 32/);
  });
});
