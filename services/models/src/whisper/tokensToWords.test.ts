import { describe, expect, it } from 'vitest';
import { tokensToWords } from './tokensToWords.js';

const EOT = 50256;
const t = (text: string, id: number, p: number, startMs: number, endMs: number) => ({
  text,
  id,
  p,
  startMs,
  endMs,
});

describe('tokensToWords', () => {
  it('joins sub-word tokens, glues punctuation, drops special tokens', () => {
    const words = tokensToWords(
      [
        t('[_BEG_]', 50363, 0.99, 0, 0),
        t(' river', 7850, 0.8, 100, 400),
        t('bank', 17796, 0.6, 400, 700),
        t('.', 13, 0.9, 700, 720),
        t(' Then', 3244, 0.5, 900, 1100),
        t('<|endoftext|>', 50256, 1, 1100, 1100),
      ],
      EOT,
    );
    expect(words).toEqual([
      { text: 'riverbank.', startMs: 100, endMs: 720, confidence: 0.7 },
      { text: 'Then', startMs: 900, endMs: 1100, confidence: 0.5 },
    ]);
  });

  it('starts a word on a first token without a leading space', () => {
    expect(tokensToWords([t('Hello', 15496, 1, 0, 200)], EOT).map((w) => w.text)).toEqual([
      'Hello',
    ]);
  });
});
