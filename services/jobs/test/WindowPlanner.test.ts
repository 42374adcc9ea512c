import { describe, expect, it } from 'vitest';
import { WindowPlanner } from '../src/WindowPlanner.js';

const FRAME_MS = 32;

/** A probability track from [speech?, ms] runs. */
function track(runs: [boolean, number][]): number[] {
  return runs.flatMap(([speech, ms]) =>
    Array<number>(Math.round(ms / FRAME_MS)).fill(speech ? 0.9 : 0.02),
  );
}

describe('WindowPlanner', () => {
  const planner = new WindowPlanner({ frameMs: FRAME_MS, maxWindowMs: 28_000, paddingMs: 200 });

  it('decodes nothing when nothing is speech', () => {
    expect(planner.plan(track([[false, 60_000]]), 60_000)).toEqual([]);
  });

  it('packs sentences into windows under the limit, cut in pauses, skipping long silence', () => {
    const probs = track([
      [false, 2_000],
      [true, 8_000],
      [false, 1_000],
      [true, 8_000],
      [false, 1_000],
      [true, 10_000], // with the two before, the window would be 28.4 s: over the limit
      [false, 30_000],
      [true, 4_000],
    ]);
    const duration = probs.length * FRAME_MS;
    const windows = planner.plan(probs, duration);
    expect(windows.length).toBe(3);
    for (const w of windows) {
      expect(w.endMs - w.startMs).toBeLessThanOrEqual(28_000);
      expect(w.endMs).toBeGreaterThan(w.startMs);
    }
    // Windows are ordered and never overlap.
    for (let i = 1; i < windows.length; i++)
      expect(windows[i]!.startMs).toBeGreaterThanOrEqual(windows[i - 1]!.endMs);
    // The first starts just before the first speech; the long silence is not decoded.
    expect(windows[0]!.startMs).toBeGreaterThanOrEqual(1_700);
    expect(windows[0]!.startMs).toBeLessThanOrEqual(2_000);
    const decoded = windows.reduce((sum, w) => sum + w.endMs - w.startMs, 0);
    expect(decoded).toBeLessThan(duration - 30_000);
    // Every speech frame is inside some window.
    probs.forEach((p, f) => {
      if (p < 0.5) return;
      const ms = f * FRAME_MS;
      expect(windows.some((w) => w.startMs <= ms && ms + FRAME_MS <= w.endMs + FRAME_MS)).toBe(
        true,
      );
    });
  });

  it('splits a monologue without pauses into windows that fit, at its quietest frame', () => {
    const probs = track([[true, 70_000]]);
    // A dip in the middle of the second half of the first window's span is where it should cut.
    const dip = Math.round(20_000 / FRAME_MS);
    probs[dip] = 0.4;
    const windows = planner.plan(probs, probs.length * FRAME_MS);
    expect(windows.length).toBeGreaterThanOrEqual(3);
    for (const w of windows) expect(w.endMs - w.startMs).toBeLessThanOrEqual(28_000);
    expect(Math.abs(windows[0]!.endMs - 200 - dip * FRAME_MS)).toBeLessThanOrEqual(FRAME_MS);
    // Together they cover the whole monologue.
    expect(windows.at(-1)!.endMs).toBeGreaterThanOrEqual(probs.length * FRAME_MS - FRAME_MS);
  });
});
