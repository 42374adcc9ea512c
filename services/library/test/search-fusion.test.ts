import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '@lm/library';

describe('reciprocalRankFusion', () => {
  it('ranks an item found by both retrievers above items found by one', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['d', 'b', 'e'],
    ]);
    expect(fused[0]?.id).toBe('b');
    expect(fused[0]?.ranks).toEqual([2, 2]);
    expect(fused[0]?.score).toBeCloseTo(2 / 62, 10);
  });

  it('orders single-list items by rank, ties by best rank then id', () => {
    const fused = reciprocalRankFusion([['x', 'y'], ['z']]);
    expect(fused.map((f) => f.id)).toEqual(['x', 'z', 'y']);
    expect(fused.find((f) => f.id === 'z')?.ranks).toEqual([undefined, 1]);
  });

  it('applies weights and k, and counts a duplicate once at its best rank', () => {
    const fused = reciprocalRankFusion([['a', 'a'], ['b']], { k: 0, weights: [1, 3] });
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      ['b', 3],
      ['a', 1],
    ]);
  });

  it('breaks a tie in favour of the first list', () => {
    const fused = reciprocalRankFusion([
      ['v1', 'v2'],
      ['v2', 'v1'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['v1', 'v2']);
  });

  it('returns nothing for no rankings', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });
});
