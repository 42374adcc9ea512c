export interface EndOfTurnOptions {
  /**
   * Extra wait after the transcriber's end-of-turn mark when the words so far do not end like
   * a finished sentence ("so the mitochondria is…"): the student may only be pausing.
   */
  unfinishedGraceMs: number;
  /** Wait after an end-of-turn mark when the words end with . ? or ! (0: answer at once). */
  finishedGraceMs: number;
}

/** What to do after a transcript event. */
export type TurnDecision =
  { kind: 'listening' } | { kind: 'wait'; ms: number } | { kind: 'end'; text: string };

/**
 * Decides when a student's spoken turn is over, from the transcriber's finals: their text is
 * collected; a final marked end_of_turn (the transcriber saw enough silence) ends the turn at
 * once when the words end like a finished sentence, or after a short grace otherwise. Any new
 * speech during the grace keeps the turn open. One per tutoring session.
 */
export class EndOfTurnDetector {
  private readonly options: EndOfTurnOptions;
  private parts: string[] = [];
  private waiting = false;

  constructor(options: Partial<EndOfTurnOptions> = {}) {
    this.options = { unfinishedGraceMs: 700, finishedGraceMs: 0, ...options };
  }

  /** The student is speaking (a partial with words): a pending end is called off. */
  onPartial(text: string): TurnDecision {
    if (text.trim() !== '') this.waiting = false;
    return { kind: 'listening' };
  }

  onFinal(text: string, endOfTurn: boolean): TurnDecision {
    const words = text.trim();
    if (words !== '') {
      this.parts.push(words);
      this.waiting = false;
    }
    if (!endOfTurn || this.parts.length === 0) return { kind: 'listening' };
    const ms = this.soundsFinished ? this.options.finishedGraceMs : this.options.unfinishedGraceMs;
    if (ms <= 0) return this.take();
    this.waiting = true;
    return { kind: 'wait', ms };
  }

  /** The grace period passed: the turn ends unless speech came in meanwhile. */
  onGraceElapsed(): TurnDecision {
    if (!this.waiting) return { kind: 'listening' };
    return this.take();
  }

  /** The words so far end like a finished sentence (with . ? or !). */
  get soundsFinished(): boolean {
    return /[.?!]["'”’)]*$/.test(this.pending);
  }

  /** Words collected for the turn so far. */
  get pending(): string {
    return this.parts.join(' ');
  }

  reset(): void {
    this.parts = [];
    this.waiting = false;
  }

  private take(): TurnDecision {
    const text = this.pending;
    this.reset();
    return { kind: 'end', text };
  }
}
