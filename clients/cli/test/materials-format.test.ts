import { describe, expect, it } from 'vitest';
import type { Material } from '@lm/api';
import { formatMaterialLine } from '../src/index.js';
import { formatCitations } from '../src/tutorFormat.js';

const material = (overrides: Partial<Material>): Material => ({
  id: 'm-1',
  courseId: 'biology-101',
  ownerId: 'u-1',
  kind: 'material',
  visibility: 'course',
  title: 'Cell Biology',
  filename: 'cells.md',
  format: 'markdown',
  sessionId: null,
  byteSize: 300,
  chunkCount: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

describe('lm materials list lines', () => {
  it('say who sees each material, in aligned columns', () => {
    const shared = formatMaterialLine(material({}));
    const mine = formatMaterialLine(material({ id: 'm-2', visibility: 'private', chunkCount: 12 }));
    expect(shared).toBe('m-1  course   material     3 passages  Cell Biology (cells.md)');
    expect(mine).toBe('m-2  private  material    12 passages  Cell Biology (cells.md)');
    expect(formatMaterialLine(material({ kind: 'lecture' }))).toContain('course   lecture ');
  });
});

describe('formatCitations', () => {
  it('names a lecture by its time and a document by its heading, not repeating the title', () => {
    expect(
      formatCitations([
        { kind: 'note', title: 'Cell notes', heading: 'Cell notes' },
        { kind: 'material', title: 'Cell Biology', heading: 'Cells > Ribosomes' },
        { kind: 'lecture', title: 'Lecture 3', startMs: 725_000 },
      ]),
    ).toBe('Sources: [1] Cell notes; [2] Cell Biology, Cells > Ribosomes; [3] Lecture 3, at 12:05');
  });
});
