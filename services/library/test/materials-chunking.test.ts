import { describe, expect, it } from 'vitest';
import {
  HeadingChunker,
  TranscriptChunker,
  estimateTokens,
  formatLectureTime,
  markdownSections,
  plainTextSections,
  splitSentences,
} from '@lm/library';

const sentence = (i: number) =>
  `Sentence number ${i} talks about cells and their parts in some detail.`;

describe('splitSentences', () => {
  it('splits on terminal punctuation but not on abbreviations, initials or decimals', () => {
    expect(
      splitSentences('Dr. Smith measured 3.5 ml, e.g. water. Then J. Doe left! Why? Done'),
    ).toEqual(['Dr. Smith measured 3.5 ml, e.g. water.', 'Then J. Doe left!', 'Why?', 'Done']);
  });

  it('ends a sentence at a blank line and keeps closing quotes', () => {
    expect(splitSentences('He said "stop." Next\n\nNew block')).toEqual([
      'He said "stop."',
      'Next',
      'New block',
    ]);
  });
});

describe('markdownSections', () => {
  it('keeps the heading path of every section, setext headings included, code fences ignored', () => {
    const md = [
      '# Biology',
      'Intro text.',
      '## Cells',
      'Cells are small.',
      '```',
      '# not a heading',
      '```',
      '### Mitochondria',
      'Power plants.',
      '',
      'Genetics',
      '--------',
      'Genes are inherited.',
    ].join('\n');
    const sections = markdownSections(md);
    expect(sections.map((s) => s.headingPath.join(' > '))).toEqual([
      'Biology',
      'Biology > Cells',
      'Biology > Cells > Mitochondria',
      'Biology > Genetics',
    ]);
    expect(sections[1]?.text).toContain('# not a heading');
  });
});

describe('plainTextSections', () => {
  it('takes short standalone capitalised lines as headings', () => {
    const sections = plainTextSections(
      'Photosynthesis\n\nPlants make sugar from light.\n\nThe Calvin Cycle\n\nCarbon is fixed.',
    );
    expect(sections).toEqual([
      { headingPath: ['Photosynthesis'], text: 'Plants make sugar from light.' },
      { headingPath: ['The Calvin Cycle'], text: 'Carbon is fixed.' },
    ]);
  });
});

describe('HeadingChunker', () => {
  it('packs sentences into chunks within the token bounds, with overlap, never across sections', () => {
    const long = Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ');
    const chunker = new HeadingChunker({
      targetTokens: 150,
      maxTokens: 220,
      overlapTokens: 40,
      minTokens: 5,
    });
    const chunks = chunker.chunk([
      { headingPath: ['A'], text: long },
      {
        headingPath: ['B'],
        text: 'A short but complete section about something else entirely here.',
      },
    ]);
    const a = chunks.filter((c) => c.headingPath[0] === 'A');
    expect(a.length).toBeGreaterThan(2);
    for (const c of a) expect(estimateTokens(c.text)).toBeLessThanOrEqual(220);
    for (const c of a.slice(0, -1)) expect(estimateTokens(c.text)).toBeGreaterThanOrEqual(150);
    // Overlap: each chunk after the first starts with one of the last sentences of the previous one.
    for (let i = 1; i < a.length; i += 1) {
      const previous = splitSentences(a[i - 1]?.text ?? '');
      const first = splitSentences(a[i]?.text ?? '')[0] ?? '';
      expect(previous.slice(-3)).toContain(first);
    }
    // Every sentence survives.
    for (let i = 0; i < 40; i += 1) expect(a.some((c) => c.text.includes(sentence(i)))).toBe(true);
    expect(chunks.at(-1)?.headingPath).toEqual(['B']);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
  });

  it('merges a tiny section into the next one of the same top heading, citing the later heading', () => {
    const chunks = new HeadingChunker({ minTokens: 30 }).chunk([
      { headingPath: ['Cells'], text: 'Overview.' },
      {
        headingPath: ['Cells', 'Mitochondria'],
        text: `${sentence(1)} ${sentence(2)} ${sentence(3)}`,
      },
    ]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.headingPath).toEqual(['Cells', 'Mitochondria']);
    expect(chunks[0]?.text.startsWith('Overview.')).toBe(true);
  });

  it('cuts a sentence longer than the maximum at word boundaries', () => {
    const runOn = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const chunks = new HeadingChunker().chunk([{ headingPath: [], text: runOn }]);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(220);
  });
});

describe('TranscriptChunker', () => {
  it('groups finals by time into chunks with start and end times', () => {
    const finals = Array.from({ length: 30 }, (_, i) => ({
      text: `In minute ${i} the lecturer explains another idea about enzymes and substrates.`,
      startMs: i * 5000,
      endMs: i * 5000 + 4500,
    }));
    const chunks = new TranscriptChunker({ targetTokens: 60, maxTokens: 100 }).chunk(finals);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]?.startMs).toBe(0);
    for (const c of chunks) {
      expect(c.endMs).toBeGreaterThan(c.startMs);
      expect(c.tokens).toBeLessThanOrEqual(100);
    }
    const starts = chunks.map((c) => c.startMs);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(chunks.at(-1)?.text).toContain('minute 29');
  });

  it('starts a new chunk after a long pause and skips empty finals', () => {
    const chunks = new TranscriptChunker({ targetTokens: 30, pauseMs: 4000 }).chunk([
      { text: 'First part of the talk about one topic, said at length.', startMs: 0, endMs: 3000 },
      { text: '', startMs: 3000, endMs: 3100 },
      { text: 'After a long break, a second topic entirely.', startMs: 60_000, endMs: 63_000 },
    ]);
    expect(chunks.map((c) => c.startMs)).toEqual([0, 60_000]);
  });

  it('formats lecture times', () => {
    expect(formatLectureTime(65_000)).toBe('1:05');
    expect(formatLectureTime(3_725_000)).toBe('1:02:05');
  });
});
