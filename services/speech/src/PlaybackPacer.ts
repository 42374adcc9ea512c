/**
 * Keeps audio sent to a listener at most `leadMs` ahead of its playback. The listener plays
 * what it receives at real time; by not running ahead, a cancellation (barge-in) silences the
 * room within `leadMs` of the moment the sender stops, and the sender knows what was heard.
 */
export class PlaybackPacer {
  /** Wall-clock time at which everything sent so far will have been played. */
  private playedUntil = 0;

  constructor(
    private readonly leadMs = 200,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long to wait before sending the next piece (0: send now). */
  delayMs(): number {
    const ahead = this.playedUntil - this.now();
    return Math.max(0, ahead - this.leadMs);
  }

  /** Records that a piece of `durationMs` was sent now. */
  sent(durationMs: number): void {
    this.playedUntil = Math.max(this.playedUntil, this.now()) + durationMs;
  }

  /** Playback time still queued at the listener (ms). */
  queuedMs(): number {
    return Math.max(0, this.playedUntil - this.now());
  }

  /** The listener's queue was dropped (barge-in): nothing is playing any more. */
  reset(): void {
    this.playedUntil = 0;
  }
}
