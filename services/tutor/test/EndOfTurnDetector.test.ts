import { describe, expect, it } from 'vitest';
import { EndOfTurnDetector } from '../src/EndOfTurnDetector.js';

describe('EndOfTurnDetector', () => {
  it('ends the turn at once when the marked final ends like a finished sentence', () => {
    const d = new EndOfTurnDetector({ unfinishedGraceMs: 700 });
    expect(d.onPartial('what is')).toEqual({ kind: 'listening' });
    expect(d.onFinal('What is a mitochondrion', false)).toEqual({ kind: 'listening' });
    expect(d.onFinal('in a cell?', true)).toEqual({
      kind: 'end',
      text: 'What is a mitochondrion in a cell?',
    });
    expect(d.pending).toBe('');
  });

  it('waits a grace period when the words trail off, and ends if nothing follows', () => {
    const d = new EndOfTurnDetector({ unfinishedGraceMs: 700 });
    expect(d.onFinal('so the enzyme', true)).toEqual({ kind: 'wait', ms: 700 });
    expect(d.onGraceElapsed()).toEqual({ kind: 'end', text: 'so the enzyme' });
  });

  it('keeps the turn open when the student speaks again during the grace', () => {
    const d = new EndOfTurnDetector({ unfinishedGraceMs: 700 });
    d.onFinal('so the enzyme', true);
    d.onPartial('binds');
    expect(d.onGraceElapsed()).toEqual({ kind: 'listening' });
    expect(d.onFinal('binds the substrate.', true)).toEqual({
      kind: 'end',
      text: 'so the enzyme binds the substrate.',
    });
  });

  it('says whether the words so far end like a finished sentence (replies are prepared only then)', () => {
    const d = new EndOfTurnDetector();
    d.onFinal('what do', false);
    expect(d.soundsFinished).toBe(false);
    d.onFinal('ribosomes "do?"', false);
    expect(d.soundsFinished).toBe(true);
    d.onFinal('and', false);
    expect(d.soundsFinished).toBe(false);
  });

  it('ignores a marked final when nothing was said', () => {
    const d = new EndOfTurnDetector();
    expect(d.onFinal('', true)).toEqual({ kind: 'listening' });
    expect(d.onPartial('')).toEqual({ kind: 'listening' });
  });
});
