import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './WordPieceTokenizer.js';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'the',
  'cafe',
  'un',
  '##believ',
  '##able',
  '!',
  ',',
  'great',
  'hello',
].join('\n');

describe('WordPieceTokenizer', () => {
  const tok = new WordPieceTokenizer(VOCAB);

  it('lower-cases, strips accents, splits punctuation and sub-words', () => {
    expect(tok.encode('The  Café, UNBELIEVABLE!').tokens).toEqual([
      '[CLS]',
      'the',
      'cafe',
      ',',
      'un',
      '##believ',
      '##able',
      '!',
      '[SEP]',
    ]);
    expect(tok.encode('hello').ids).toEqual([2, 12, 3]);
  });

  it('maps words it cannot piece together to [UNK] and truncates', () => {
    expect(tok.encode('zebra great').tokens).toEqual(['[CLS]', '[UNK]', 'great', '[SEP]']);
    expect(tok.encode('hello hello hello hello', 4).tokens).toEqual([
      '[CLS]',
      'hello',
      'hello',
      '[SEP]',
    ]);
  });

  it('treats tabs and newlines as spaces', () => {
    expect(tok.encode('hello\tthe\ngreat').tokens).toEqual([
      '[CLS]',
      'hello',
      'the',
      'great',
      '[SEP]',
    ]);
  });
});
