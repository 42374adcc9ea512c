import { describe, expect, it } from 'vitest';
import { noise, normaliseWords, wordErrorRate } from '../src/testing/speechFixtures.js';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions over the reference length', () => {
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on the mat')).toBe(0);
    expect(wordErrorRate('the cat sat on the mat', 'the bat sat on mat')).toBeCloseTo(2 / 6);
    expect(wordErrorRate('a b', 'a b c d')).toBe(1);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'hello')).toBe(1);
  });

  it('ignores case and punctuation but keeps apostrophes', () => {
    expect(normaliseWords("Newton's second-law, stated.")).toEqual([
      "newton's",
      'second',
      'law',
      'stated',
    ]);
    expect(wordErrorRate('Hello, world.', 'hello world')).toBe(0);
  });
});

describe('noise', () => {
  it('is deterministic and has roughly the requested RMS', () => {
    const a = noise(1000, 1000, 7);
    expect(a).toEqual(noise(1000, 1000, 7));
    const rms = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(rms).toBeGreaterThan(900);
    expect(rms).toBeLessThan(1100);
  });
});
