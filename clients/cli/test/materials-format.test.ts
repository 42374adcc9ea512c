import { describe, expect, it } from 'vitest';
import { formatMaterialLine, type MaterialView } from '../src/index.js';

const material = (overrides: Partial<MaterialView>): MaterialView => ({
  id: 'm-1',
  courseId: 'biology-101',
  ownerId: 'u-1',
  kind: 'material',
  visibility: 'course',
  title: 'Cell Biology',
  filename: 'cells.md',
  format: 'markdown',
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
