import { describe, expect, it } from 'vitest';
import { SpeechSegmenter } from './SpeechSegmenter.js';

const frames = (p: number, n: number): number[] => Array.from({ length: n }, () => p);

describe('SpeechSegmenter', () => {
  it('finds one segment and ignores a short dip (hysteresis)', () => {
    // 10 ms frames: 200 ms silence, 500 ms speech with a 100 ms dip to 0.4 and one of 0.2, 500 ms silence
    const probs = [
      ...frames(0.05, 20),
      ...frames(0.9, 20),
      ...frames(0.4, 5),
      ...frames(0.2, 5),
      ...frames(0.9, 20),
      ...frames(0.05, 50),
    ];
    expect(SpeechSegmenter.segments(probs, { frameMs: 10 })).toEqual([
      { startMs: 200, endMs: 700 },
    ]);
  });

  it('splits at a long silence and drops clicks', () => {
    const probs = [
      ...frames(0.9, 30),
      ...frames(0.1, 40),
      ...frames(0.95, 3),
      ...frames(0.1, 40),
      ...frames(0.8, 25),
    ];
    expect(SpeechSegmenter.segments(probs, { frameMs: 10 })).toEqual([
      { startMs: 0, endMs: 300 },
      { startMs: 1130, endMs: 1380 },
    ]);
  });

  it('does not start below the start threshold', () => {
    expect(SpeechSegmenter.segments(frames(0.45, 100), { frameMs: 10 })).toEqual([]);
  });
});
