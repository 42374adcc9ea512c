import { describe, expect, it } from 'vitest';
import { dropRepetitions, monotonicTimes, withinAudio } from '../src/hypothesisFilters.js';
import type { TimedWord } from '../src/LocalAgreement.js';

function words(text: string): TimedWord[] {
  return text
    .split(' ')
    .map((t, i) => ({ text: t, startMs: i * 300, endMs: i * 300 + 250, confidence: 0.9 }));
}
const text = (w: readonly TimedWord[]) => w.map((x) => x.text).join(' ');

describe('dropRepetitions', () => {
  it('removes a phrase repeated right after itself', () => {
    expect(
      text(
        dropRepetitions(
          words('because it produces most of the energy because it produces most of the energy.'),
        ),
      ),
    ).toBe('because it produces most of the energy');
  });

  it('removes a short run repeated three or more times', () => {
    expect(text(dropRepetitions(words('For dancing, ta-se, ta-se, ta-se, ta-se, ta-')))).toBe(
      'For dancing, ta-se,',
    );
  });

  it('keeps ordinary speech, including a word or short phrase said twice', () => {
    const speech = 'it is very very cold, and it is it is getting colder';
    expect(text(dropRepetitions(words(speech)))).toBe(speech);
  });
});

describe('withinAudio', () => {
  it('drops words that start after the decoded audio ends', () => {
    expect(text(withinAudio(words('one two three four'), 700))).toBe('one two three');
  });
});

describe('monotonicTimes', () => {
  it('keeps times that run forward inside the audio', () => {
    const w = words('one two three');
    expect(monotonicTimes(w, 0, 1000)).toEqual(w);
  });

  it('spreads words whose times run backwards over the rest of the audio, in order', () => {
    const w = [
      ...words('because it produces').map((x) => ({
        ...x,
        startMs: x.startMs + 14_000,
        endMs: x.endMs + 14_000,
      })),
      ...words('the cell').map((x) => ({
        ...x,
        startMs: x.startMs + 13_000,
        endMs: x.endMs + 13_000,
      })),
    ];
    const fixed = monotonicTimes(w, 14_000, 16_000);
    expect(fixed.slice(0, 3)).toEqual(w.slice(0, 3));
    const [the, cell] = fixed.slice(3);
    expect(the?.startMs).toBe(w[2]?.endMs);
    expect(cell?.startMs).toBeCloseTo(the?.endMs ?? 0);
    expect(cell?.endMs).toBeCloseTo(16_000);
  });
});
