import { AppError } from '@lm/kit';
import type { ReplyChunk, TutorTurn } from '@lm/proto/tutor/v1/tutor';

/** Produces a turn's reply chunks; stores nothing until `confirmation` says the turn happened. */
export type ReplyProducer = (
  turn: TutorTurn,
  options: { signal: AbortSignal; confirmation: Promise<boolean> },
) => AsyncIterable<ReplyChunk>;

export type SpeculationState = 'held' | 'confirmed' | 'abandoned';

/**
 * A reply prepared before the turn is certain: when the student pauses after words that may be
 * their whole question, retrieval and generation start at once, while the transcriber still
 * waits for enough silence to call the turn over. The chunks are held back. `confirm` (the turn
 * ended with exactly these words) sends the held chunks, then the rest as they come; `abandon`
 * (the student went on) drops them and stops the generation. Until confirmed nothing is sent
 * and nothing is stored, so the conversation holds only turns that were actually taken.
 */
export class SpeculativeReply {
  readonly controller = new AbortController();
  /** Settles when generation has finished (completed, cancelled, abandoned or failed). */
  readonly done: Promise<void>;
  /** Wall clock: when the first sentence was ready (held or sent), null before. */
  firstSentenceAtMs: number | null = null;
  /** Sequence of the last chunk sent. */
  lastSequence = -1;
  private stateValue: SpeculationState = 'held';
  private held: ReplyChunk[] = [];
  private send: ((chunk: ReplyChunk) => Promise<void>) | undefined;
  /** Sends go one after another, held ones first. */
  private sending: Promise<void> = Promise.resolve();
  private decide!: (confirmed: boolean) => void;
  private readonly confirmation = new Promise<boolean>((resolve) => (this.decide = resolve));
  private generatingValue = true;

  /**
   * @param after settles when the reply before this one has finished storing (its history is
   *   this one's context): generation starts only then.
   */
  constructor(
    readonly turn: TutorTurn,
    produce: ReplyProducer,
    after: Promise<void> = Promise.resolve(),
    onError: (error: unknown) => void = () => undefined,
  ) {
    this.done = (async () => {
      await after;
      if (this.stateValue === 'abandoned') return;
      for await (const chunk of produce(turn, {
        signal: this.controller.signal,
        confirmation: this.confirmation,
      })) {
        await this.deliver(chunk);
      }
    })()
      .catch(onError)
      .finally(() => {
        this.generatingValue = false;
        // A reply that fails before it was decided on must not hold its caller forever.
        this.decide(this.stateValue === 'confirmed');
      });
  }

  get state(): SpeculationState {
    return this.stateValue;
  }

  /** The words this reply answers. */
  get text(): string {
    return this.turn.text;
  }

  /** Generation (or its wait for the previous reply) is still running. */
  get generating(): boolean {
    return this.generatingValue;
  }

  /**
   * The turn is taken: `send` gets every chunk from now on, the held ones first. Resolves when
   * the held chunks were sent.
   */
  confirm(send: (chunk: ReplyChunk) => Promise<void>): Promise<void> {
    if (this.stateValue !== 'held')
      throw new AppError('failed_precondition', `A ${this.stateValue} reply cannot be confirmed`);
    this.stateValue = 'confirmed';
    this.send = send;
    const backlog = this.held.splice(0);
    this.decide(true);
    // One chain: the promise returned below settles after all of them (and reports a failure).
    for (const chunk of backlog) void this.enqueue(chunk);
    return this.sending;
  }

  /** The student went on (or the session ended): nothing of this reply is sent or stored. */
  abandon(reason: string): void {
    if (this.stateValue !== 'held') return;
    this.stateValue = 'abandoned';
    this.held = [];
    this.decide(false);
    this.controller.abort(reason);
  }

  private async deliver(chunk: ReplyChunk): Promise<void> {
    if (chunk.body?.$case === 'sentence') this.firstSentenceAtMs ??= Date.now();
    switch (this.stateValue) {
      case 'held':
        this.held.push(chunk);
        return;
      case 'confirmed':
        // Waiting for the send keeps the producer from running far ahead of the bus.
        return this.enqueue(chunk);
      case 'abandoned':
        return;
    }
  }

  private enqueue(chunk: ReplyChunk): Promise<void> {
    const send = this.send;
    if (!send) return Promise.resolve();
    this.sending = this.sending.then(async () => {
      await send(chunk);
      this.lastSequence = chunk.sequence;
    });
    return this.sending;
  }
}
