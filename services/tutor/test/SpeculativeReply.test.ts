import type { ReplyChunk, TutorTurn } from '@lm/proto/tutor/v1/tutor';
import { TurnSource } from '@lm/proto/tutor/v1/tutor';
import { describe, expect, it } from 'vitest';
import { SpeculativeReply, type ReplyProducer } from '../src/SpeculativeReply.js';

const turn: TutorTurn = {
  conversationId: 'c1',
  turnId: 't1',
  courseId: 'bio',
  userId: 'ann',
  text: 'What do ribosomes do?',
  source: TurnSource.TURN_SOURCE_VOICE,
  sessionId: 'room-1',
  endedAtMs: 0,
};

const chunk = (sequence: number, body: ReplyChunk['body']): ReplyChunk => ({
  conversationId: 'c1',
  turnId: 't1',
  sequence,
  body,
  sessionId: 'room-1',
  emittedAtMs: 0,
});

/**
 * Behaves like TutorService.reply with a confirmation: yields its sentences, then waits for
 * the decision before it "stores" the exchange and ends with a done chunk.
 */
function producer(sentences: string[], stored: string[], gate?: Promise<void>): ReplyProducer {
  return async function* (t, { signal, confirmation }) {
    let sequence = 0;
    for (const sentence of sentences) {
      await gate;
      if (signal.aborted) break;
      yield chunk(sequence++, { $case: 'sentence', value: sentence });
    }
    if (!(await confirmation)) return;
    stored.push(`user: ${t.text}`, `assistant: ${sentences.join(' ')}`);
    yield chunk(sequence, { $case: 'done', value: { text: sentences.join(' '), citations: [] } });
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SpeculativeReply', () => {
  it('holds the chunks until confirmed, then sends them in order and stores the exchange', async () => {
    const stored: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const reply = new SpeculativeReply(turn, producer(['Here is one.', 'And two.'], stored, gate));
    open();
    await tick();
    expect(reply.state).toBe('held');
    expect(reply.firstSentenceAtMs).not.toBeNull();
    expect(stored).toEqual([]);

    const sent: ReplyChunk[] = [];
    await reply.confirm(async (c) => {
      await tick();
      sent.push(c);
    });
    await reply.done;
    expect(sent.map((c) => c.body?.$case)).toEqual(['sentence', 'sentence', 'done']);
    expect(sent.map((c) => c.sequence)).toEqual([0, 1, 2]);
    expect(reply.lastSequence).toBe(2);
    expect(reply.generating).toBe(false);
    expect(stored).toEqual(['user: What do ribosomes do?', 'assistant: Here is one. And two.']);
  });

  it('sends chunks that come after the confirmation as they come', async () => {
    const stored: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const reply = new SpeculativeReply(turn, producer(['Late.'], stored, gate));
    const sent: string[] = [];
    await reply.confirm((c) => {
      sent.push(c.body?.$case ?? '');
      return Promise.resolve();
    });
    expect(sent).toEqual([]);
    open();
    await reply.done;
    expect(sent).toEqual(['sentence', 'done']);
    expect(stored).toHaveLength(2);
  });

  it('abandoned: stops the generation, sends and stores nothing', async () => {
    const stored: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const reply = new SpeculativeReply(turn, producer(['One.', 'Two.'], stored, gate));
    reply.abandon('the student went on');
    open();
    await reply.done;
    expect(reply.state).toBe('abandoned');
    expect(reply.controller.signal.aborted).toBe(true);
    expect(reply.controller.signal.reason).toBe('the student went on');
    expect(stored).toEqual([]);
    expect(() => reply.confirm(() => Promise.resolve())).toThrow(/abandoned/);
  });

  it('starts generating only after the reply before it has finished', async () => {
    let previousDone!: () => void;
    const previous = new Promise<void>((r) => (previousDone = r));
    let started = false;
    const reply = new SpeculativeReply(
      turn,
      async function* (_t, { confirmation }) {
        started = true;
        if (await confirmation) yield chunk(0, { $case: 'token', value: 'confirmed' });
      },
      previous,
    );
    await tick();
    expect(started).toBe(false);
    previousDone();
    await tick();
    expect(started).toBe(true);
    reply.abandon('done with the test');
    await reply.done;
  });

  it('a producer that fails settles the reply and reports the error', async () => {
    const errors: unknown[] = [];
    const reply = new SpeculativeReply(
      turn,
      async function* () {
        await Promise.reject(new Error('retrieval down'));
        yield chunk(0, { $case: 'token', value: 'never' });
      },
      undefined,
      (error) => errors.push(error),
    );
    await reply.done;
    expect(errors).toHaveLength(1);
    expect(reply.generating).toBe(false);
  });
});
