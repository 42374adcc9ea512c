import { describe, expect, it } from 'vitest';
import { EXTRACTIVE_NOT_FOUND } from '../src/ExtractiveLlm.js';
import { SentenceSplitter, speakable, spokenSentences } from '../src/SentenceSplitter.js';

function feed(splitter: SentenceSplitter, tokens: string[]): string[][] {
  return tokens.map((t) => splitter.push(t));
}

describe('SentenceSplitter', () => {
  it('emits a sentence as soon as the token after its period shows it ended', () => {
    const s = new SentenceSplitter();
    const out = feed(s, ['Cells', ' are', ' small', '.', ' They', ' divide', '.']);
    expect(out).toEqual([[], [], [], [], ['Cells are small.'], [], []]);
    expect(s.flush()).toEqual(['They divide.']);
    expect(s.flush()).toEqual([]);
  });

  it('does not split at abbreviations, decimals or initials', () => {
    const s = new SentenceSplitter({ firstClauseChars: 1000 });
    const out = feed(s, [
      'About 3',
      '.',
      '5 litres',
      ', e',
      '.g',
      '. in Dr',
      '. J',
      '. Smith',
      "'s lab",
      '. Next',
    ]).flat();
    expect(out).toEqual(["About 3.5 litres, e.g. in Dr. J. Smith's lab."]);
  });

  it('keeps citation markers with their sentence', () => {
    const s = new SentenceSplitter();
    const out = feed(s, ['Mitochondria make ATP.', ' [1]', '[2]', ' Next', ' one.']).flat();
    expect(out).toEqual(['Mitochondria make ATP. [1][2]']);
    expect(s.flush()).toEqual(['Next one.']);
  });

  it('cuts a long first sentence at a clause boundary so speech can start early', () => {
    const s = new SentenceSplitter({ firstClauseChars: 40 });
    const words =
      'The mitochondrion, which biologists call the powerhouse of the cell, makes most of the energy'.split(
        /(?= )/,
      );
    const out = feed(s, words).flat();
    expect(out[0]).toBe('The mitochondrion, which biologists call the powerhouse of the cell,');
    expect(s.flush()).toEqual(['makes most of the energy']);
  });

  it('handles questions, exclamations and closing quotes', () => {
    const s = new SentenceSplitter();
    expect(feed(s, ['Why?', ' "Because!"', ' Done']).flat()).toEqual(['Why?', '"Because!"']);
  });
});

describe('speakable', () => {
  it('drops citation markers and Markdown emphasis', () => {
    expect(speakable('The **nucleus** holds DNA [1, 2]. [3]')).toBe('The nucleus holds DNA.');
  });
});

describe('spokenSentences', () => {
  it('gives the sentences a reply of that text is spoken in (the speech cache is warmed with them)', () => {
    expect(spokenSentences(EXTRACTIVE_NOT_FOUND)).toEqual([
      'I could not find this in your course materials,',
      'so I will not guess.',
      'Try asking in other words, or upload notes that cover it.',
    ]);
    expect(spokenSentences('Cells divide [2]. Done')).toEqual(['Cells divide.', 'Done']);
  });
});
