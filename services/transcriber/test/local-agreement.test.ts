import { describe, expect, it } from 'vitest';
import { LocalAgreement, normalise, type TimedWord } from '../src/LocalAgreement.js';

/** Words spaced 400 ms apart from `fromMs`. */
function hyp(text: string, fromMs = 0): TimedWord[] {
  return text.split(' ').map((t, i) => ({
    text: t,
    startMs: fromMs + i * 400,
    endMs: fromMs + i * 400 + 350,
    confidence: 0.9,
  }));
}
const texts = (w: readonly TimedWord[]) => w.map((x) => x.text).join(' ');

describe('LocalAgreement', () => {
  it('commits only what two successive hypotheses agree on', () => {
    const policy = new LocalAgreement();
    expect(policy.update(hyp('the mighty'))).toEqual([]);
    expect(texts(policy.tentative)).toBe('the mighty');
    expect(texts(policy.update(hyp('the mitochondria is')))).toBe('the');
    expect(texts(policy.update(hyp('the mitochondria is the')))).toBe('mitochondria is');
    expect(texts(policy.tentative)).toBe('the');
    expect(texts(policy.committedWords)).toBe('the mitochondria is');
  });

  it('never commits a word twice when later decodes repeat the committed audio', () => {
    const policy = new LocalAgreement();
    policy.update(hyp('cells divide by'));
    policy.update(hyp('cells divide by mitosis'));
    const again = policy.update(hyp('Cells divide by mitosis, and'));
    expect(texts(again)).toBe('mitosis,');
    expect(texts(policy.committedWords)).toBe('cells divide by mitosis,');
  });

  it('flush commits the rest at the end of an utterance', () => {
    const policy = new LocalAgreement();
    policy.update(hyp('energy is'));
    policy.update(hyp('energy is conserved'));
    expect(texts(policy.flush(hyp('energy is conserved.')))).toBe('conserved.');
    expect(policy.tentative).toEqual([]);
  });

  it('after reset, words before the committed time are not emitted again', () => {
    const policy = new LocalAgreement();
    policy.flush(hyp('first sentence here'));
    policy.reset();
    // A new utterance decoded from a buffer that still overlaps the old words' audio.
    const next = [...hyp('here', 800), ...hyp('second part', 1400)];
    policy.update(next);
    expect(texts(policy.update(next))).toBe('second part');
  });

  it('compares words without case or punctuation', () => {
    expect(normalise('Hello,')).toBe('hello');
    expect(normalise("don't")).toBe("don't");
    expect(normalise('...')).toBe('');
  });
});
