import { describe, expect, it } from 'vitest';
import { normaliseWords, wordErrorRate } from './wordErrorRate.js';

describe('wordErrorRate', () => {
  it('is zero for the same words regardless of case and punctuation', () => {
    expect(wordErrorRate('The quick, brown fox.', 'the quick brown fox').wer).toBe(0);
  });

  it('counts substitutions, deletions and insertions', () => {
    const r = wordErrorRate('a b c d', 'a x c d e');
    expect(r).toMatchObject({ substitutions: 1, deletions: 0, insertions: 1, referenceWords: 4 });
    expect(r.wer).toBeCloseTo(0.5);
    const d = wordErrorRate('one two three four', 'one four');
    expect(d).toMatchObject({ deletions: 2, substitutions: 0, insertions: 0 });
    expect(d.wer).toBeCloseTo(0.5);
  });

  it('is one for an empty hypothesis and handles an empty reference', () => {
    expect(wordErrorRate('hello world', '').wer).toBe(1);
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate('', 'noise').wer).toBe(1);
  });

  it('keeps apostrophes inside words and splits hyphens', () => {
    expect(normaliseWords("Don't stop—it's well-known.")).toEqual([
      "don't",
      'stop',
      "it's",
      'well',
      'known',
    ]);
  });
});
