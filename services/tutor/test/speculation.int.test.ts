import { createLogger } from '@lm/kit';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { ReplyChunk, TutorTurn } from '@lm/proto/tutor/v1/tutor';
import { MemoryBus, transcriptsTopic, tutorRepliesTopic, tutorTurnsTopic } from '@lm/streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore, TutorService, VoiceTutor, type VoiceTurnEvent } from '@lm/tutor';
import { sleep, waitFor } from '@lm/kit/testing';
import { openTestTutor, type TestTutor } from './support/openTestTutor.js';

const NOTES = `# Cell Biology

## Mitochondria

Mitochondria are organelles that produce most of the chemical energy needed to power the cell.
Mitochondria have their own DNA, which is inherited from the mother.

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA and join amino acids in
the order it specifies.
`;

const logger = createLogger({ service: 'speculation-test', level: 'warn' });

/**
 * Replies prepared during the student's pause (VoiceTutor + SpeculativeReply) on the embedded
 * defaults: nothing goes out or is stored before the turn is decided, and a reply for a
 * question the student then carried on with is dropped without a trace.
 */
describe('speculative voice replies (PGlite, MiniLM, extractive answers)', () => {
  let fixture: TestTutor;
  let store: ConversationStore;
  let tutor: TutorService;

  beforeAll(async () => {
    fixture = await openTestTutor({
      logger,
      materials: [{ courseId: 'bio', filename: 'cells.md', text: NOTES }],
    });
    ({ tutor, store } = fixture);
  }, 120_000);

  afterAll(async () => {
    await fixture?.close();
  });

  async function room(sessionId: string) {
    const bus = new MemoryBus();
    const voice = new VoiceTutor({ bus, tutor, store, logger });
    await voice.start();
    const replies: ReplyChunk[] = [];
    const turns: TutorTurn[] = [];
    const decided: VoiceTurnEvent[] = [];
    await bus.tail(tutorRepliesTopic, (c) => void replies.push(c));
    await bus.tail(tutorTurnsTopic, (t) => void turns.push(t));
    voice.events.turn = (e) => decided.push(e);
    const session = await voice.openSession({ sessionId, userId: 'ann', courseId: 'bio' });
    let index = 0;
    const say = (kind: SegmentKind, text: string, endOfTurn = false) =>
      bus.publish(
        transcriptsTopic,
        TranscriptSegment.fromPartial({
          sessionId,
          streamId: 'mic',
          segmentIndex: kind === SegmentKind.SEGMENT_KIND_FINAL ? index++ : index,
          kind,
          text,
          language: 'en',
          emittedAtMs: Date.now(),
          endOfTurn,
        }),
      );
    const close = async () => {
      await voice.stop();
      await bus.close();
    };
    return { voice, replies, turns, decided, session, say, close };
  }

  it('prepares the reply during the pause, sends and stores it only once the turn ends', async () => {
    const r = await room('room-confirm');
    // The transcriber's final at a short pause: the student may still go on.
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'What do ribosomes do?');
    await waitFor('a speculative reply started', () => r.voice.speculation.started === 1);
    // Long enough for retrieval and the extractive answer to be ready (and held).
    await sleep(3000);
    expect(await store.messages(r.session.conversationId)).toEqual([]);
    expect(r.replies).toEqual([]);
    expect(r.turns).toEqual([]);

    // The silence grew into the end of the turn (the end-of-turn final carries no new words).
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, '', true);
    await waitFor('the reply done', () => r.replies.some((c) => c.body?.$case === 'done'));
    expect(r.decided).toHaveLength(1);
    expect(r.decided[0]).toMatchObject({ text: 'What do ribosomes do?', speculative: true });
    // Prepared before the decision: its first sentence was ready by then.
    expect(r.decided[0]!.firstSentenceReadyAtMs).not.toBeNull();
    expect(r.decided[0]!.firstSentenceReadyAtMs!).toBeLessThanOrEqual(r.decided[0]!.decidedAtMs);
    expect(r.voice.speculation).toEqual({ started: 1, confirmed: 1, abandoned: 0 });
    expect(r.turns.map((t) => t.text)).toEqual(['What do ribosomes do?']);
    const chunks = r.replies.filter((c) => c.turnId === r.turns[0]!.turnId);
    expect(chunks.map((c) => c.sequence)).toEqual(chunks.map((_, i) => i));
    expect(chunks.at(-1)?.body?.$case).toBe('done');

    const stored = await store.messages(r.session.conversationId);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored[0]?.content).toBe('What do ribosomes do?');
    expect(stored[1]?.content).toMatch(/protein synthesis/);
    expect(stored[1]?.cancelled).toBe(false);
    await r.close();
  }, 60_000);

  it('drops the reply prepared for a pause when the student goes on: only the whole question is answered and stored', async () => {
    const r = await room('room-abandon');
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'Tell me about mitochondria.');
    await waitFor('a speculative reply started', () => r.voice.speculation.started === 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // New speech after the pause: the held reply is dropped.
    await r.say(SegmentKind.SEGMENT_KIND_PARTIAL, 'where does their');
    await waitFor('the speculation abandoned', () => r.voice.speculation.abandoned === 1);
    expect(r.voice.speculation.started).toBe(1);
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'Where does their DNA come from?', true);
    await waitFor('the reply done', () => r.replies.some((c) => c.body?.$case === 'done'));
    const whole = 'Tell me about mitochondria. Where does their DNA come from?';
    expect(r.turns.map((t) => t.text)).toEqual([whole]);
    expect(new Set(r.replies.map((c) => c.turnId))).toEqual(new Set([r.turns[0]!.turnId]));
    expect(r.decided[0]).toMatchObject({ text: whole, speculative: false });

    const stored = await store.messages(r.session.conversationId);
    expect(stored.map((m) => [m.role, m.turnId])).toEqual([
      ['user', r.turns[0]!.turnId],
      ['assistant', r.turns[0]!.turnId],
    ]);
    expect(stored[0]?.content).toBe(whole);
    expect(stored[1]?.content).toMatch(/inherited from the mother/);
    await r.close();
  }, 60_000);

  it('unfinished words are not answered ahead; a longer final replaces the held reply; an ended session drops it', async () => {
    const r = await room('room-grow');
    // A final the transcriber committed mid-sentence: not worth a reply.
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'What do');
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'ribosomes do?');
    await waitFor('a speculative reply started', () => r.voice.speculation.started === 1);
    await r.say(SegmentKind.SEGMENT_KIND_FINAL, 'And what do they read?');
    await waitFor('a second speculation', () => r.voice.speculation.started === 2);
    expect(r.voice.speculation.abandoned).toBe(1);
    await r.voice.endSession('room-grow');
    expect(r.voice.speculation).toEqual({ started: 2, abandoned: 2, confirmed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.replies).toEqual([]);
    expect(await store.messages(r.session.conversationId)).toEqual([]);
    await r.close();
  }, 60_000);
});
