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

  it('finds the committed words in a new decode even when whisper rewords them', () => {
    const policy = new LocalAgreement();
    policy.update(hyp('fogals in the'));
    expect(texts(policy.update(hyp('fogals in the system')))).toBe('fogals in the');
    // The next decode hears the start better and times it differently; only new words count.
    const next = hyp('photosynthesis in the system turns light', 150);
    expect(texts(policy.update(next))).toBe('system');
    expect(texts(policy.tentative)).toBe('turns light');
    expect(texts(policy.update(hyp('photosynthesis in the system turns light energy')))).toBe(
      'turns light',
    );
  });

  it('commits nothing ending after the guard time', () => {
    const policy = new LocalAgreement();
    policy.update(hyp('light energy becomes'));
    expect(texts(policy.update(hyp('light energy becomes chemical'), 700))).toBe('light');
    expect(texts(policy.tentative)).toBe('energy becomes chemical');
  });

  it('never commits a word that starts before the last committed word ends', () => {
    const policy = new LocalAgreement();
    policy.update(hyp('the mitochondria'));
    policy.update(hyp('the mitochondria is'));
    // The next decodes time "is" inside "mitochondria": it is committed after it instead.
    const early = hyp('the mitochondria is often', 0).map((w, i) =>
      i === 2 ? { ...w, startMs: 500, endMs: 700 } : w,
    );
    const [is] = policy.update(early);
    expect(is?.text).toBe('is');
    expect(is?.startMs).toBe(750); // where 'mitochondria' (400–750) ends
  });

  it('compares words without case or punctuation', () => {
    expect(normalise('Hello,')).toBe('hello');
    expect(normalise("don't")).toBe("don't");
    expect(normalise('...')).toBe('');
  });
});
