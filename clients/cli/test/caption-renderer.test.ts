import { describe, expect, it } from 'vitest';
import { CaptionRenderer } from '../src/CaptionRenderer.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 80, write: (t: string) => writes.push(t) } };
}

describe('CaptionRenderer', () => {
  it('on a pipe writes only finals, one sentence per line with its time', () => {
    const { writes, out } = sink(false);
    const r = new CaptionRenderer(out);
    r.render({ kind: 'partial', segmentIndex: 0, text: 'Cells', startMs: 1000 });
    r.render({ kind: 'final', segmentIndex: 0, text: 'Cells are', startMs: 1000 });
    r.render({ kind: 'final', segmentIndex: 1, text: 'the unit of life.', startMs: 1500 });
    r.render({ kind: 'final', segmentIndex: 2, text: 'Next', startMs: 62_000 });
    r.finish();
    expect(writes.join('')).toBe('[00:01] Cells are the unit of life.\n[01:02] Next\n');
  });

  it('on a terminal rewrites the provisional line in place', () => {
    const { writes, out } = sink(true);
    const r = new CaptionRenderer(out, { timestamps: false });
    r.render({ kind: 'partial', segmentIndex: 0, text: 'photo', startMs: 0 });
    r.render({ kind: 'partial', segmentIndex: 0, text: 'photosynthesis', startMs: 0 });
    expect(writes.every((w) => w.startsWith('\r\x1b[K'))).toBe(true);
    expect(writes[1]).toContain('photosynthesis');
    r.render({ kind: 'final', segmentIndex: 0, text: 'Photosynthesis.', startMs: 0 });
    expect(writes[writes.length - 1]).toBe('Photosynthesis.\n');
  });
});
