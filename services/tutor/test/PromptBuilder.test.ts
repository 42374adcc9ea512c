import type { SearchHit } from '@lm/library';
import { describe, expect, it } from 'vitest';
import { PromptBuilder, SYSTEM_PROMPT, citationLabel } from '../src/PromptBuilder.js';
import { citedPassages } from '../src/TutorService.js';

function hit(overrides: Partial<SearchHit>): SearchHit {
  return {
    chunkId: 'c',
    materialId: 'm',
    courseId: 'bio',
    kind: 'material',
    title: 'Biology notes',
    heading: 'Cells > Mitochondria',
    page: null,
    startMs: null,
    endMs: null,
    sessionId: null,
    visibility: 'course',
    text: 'Mitochondria make ATP.',
    score: 1,
    similarity: 0.8,
    vectorRank: 1,
    keywordRank: 1,
    ...overrides,
  };
}

describe('PromptBuilder', () => {
  it('numbers passages with their sources, keeps recent history and ends with the question', () => {
    const builder = new PromptBuilder({ maxPassages: 2, historyMessages: 2 });
    const prompt = builder.build(
      ' What makes ATP? ',
      [
        hit({ chunkId: 'a' }),
        hit({
          chunkId: 'b',
          kind: 'lecture',
          title: 'Lecture 3',
          heading: '',
          startMs: 125_000,
          sessionId: 's3',
          text: 'ATP is the energy currency.',
        }),
        hit({ chunkId: 'c', text: 'dropped: over the passage limit' }),
      ],
      [
        { role: 'user', content: 'old question' },
        { role: 'assistant', content: 'old answer' },
        { role: 'user', content: 'recent question' },
        { role: 'assistant', content: 'recent answer' },
      ],
    );
    expect(prompt.question).toBe('What makes ATP?');
    expect(prompt.passages.map((p) => p.number)).toEqual([1, 2]);
    expect(prompt.passages[1]?.citation).toMatchObject({
      kind: 'lecture',
      sourceId: 's3',
      startMs: 125_000,
    });
    const system = prompt.messages[0]?.content ?? '';
    expect(system.startsWith(SYSTEM_PROMPT)).toBe(true);
    expect(system).toContain('[1] (Biology notes, Cells > Mitochondria)\nMitochondria make ATP.');
    expect(system).toContain('[2] (Lecture 3 at 2:05)\nATP is the energy currency.');
    expect(system).not.toContain('dropped');
    expect(prompt.messages.slice(1).map((m) => m.content)).toEqual([
      'recent question',
      'recent answer',
      'What makes ATP?',
    ]);
  });

  it('says when no passage was found and clips long passages at a sentence', () => {
    const builder = new PromptBuilder({ maxPassageChars: 40 });
    expect(builder.build('q', []).messages[0]?.content).toContain('none were found');
    const long = builder.build('q', [
      hit({ text: 'First sentence is here. Second sentence is much longer than the limit.' }),
    ]);
    expect(long.passages[0]?.text).toBe('First sentence is here.');
  });

  it("cites a student's private notes as notes, course material as material", () => {
    const builder = new PromptBuilder({ maxPassages: 2, historyMessages: 0 });
    const prompt = builder.build('q', [
      hit({ materialId: 'mine', visibility: 'private' }),
      hit({ materialId: 'course' }),
    ]);
    expect(prompt.passages.map((p) => [p.citation.sourceId, p.citation.kind])).toEqual([
      ['mine', 'note'],
      ['course', 'material'],
    ]);
  });

  it('labels citations', () => {
    expect(
      citationLabel({
        kind: 'material',
        sourceId: 'm',
        title: 'Notes',
        heading: '',
        startMs: 0,
        excerpt: '',
      }),
    ).toBe('Notes');
  });
});

describe('citedPassages', () => {
  const passages = [1, 2, 3].map((n) => ({
    number: n,
    citation: {
      kind: 'material',
      sourceId: `m${n}`,
      title: '',
      heading: '',
      startMs: 0,
      excerpt: '',
    },
  }));
  it('keeps the cited passages only', () => {
    expect(citedPassages('A [3]. B [1][3].', passages).map((c) => c.sourceId)).toEqual([
      'm1',
      'm3',
    ]);
  });
  it('falls back to all passages, or none for a model that always cites', () => {
    expect(citedPassages('No markers.', passages)).toHaveLength(3);
    expect(citedPassages('No markers.', passages, false)).toHaveLength(0);
  });
});
