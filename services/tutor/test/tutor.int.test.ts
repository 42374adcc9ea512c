import { createLogger } from '@lm/kit';
import type { SpeechAudioChunk } from '@lm/proto/speech/v1/speech';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { PiperSynthesizer, ReplySpeaker } from '@lm/speech';
import { MemoryBus, speechAudioTopic, transcriptsTopic, tutorRepliesTopic } from '@lm/streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConversationStore,
  EXTRACTIVE_LEAD_IN,
  EXTRACTIVE_NOT_FOUND,
  TutorService,
  VoiceTutor,
} from '@lm/tutor';
import { waitFor } from '@lm/kit/testing';
import { openTestTutor, type TestTutor } from './support/openTestTutor.js';

const NOTES = `# Cell Biology

## Mitochondria

Mitochondria are organelles that produce most of the chemical energy needed to power the cell.
This energy is stored in a molecule called adenosine triphosphate, or ATP. Mitochondria have
their own DNA, inherited from the mother.

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA and join amino acids in
the order it specifies.
`;

const logger = createLogger({ service: 'tutor-test', level: 'warn' });

describe('tutor with the embedded defaults (PGlite, pgvector, MiniLM, extractive answers, Piper)', () => {
  let fixture: TestTutor;
  let tutor: TutorService;
  let store: ConversationStore;
  let materialId: string;

  beforeAll(async () => {
    fixture = await openTestTutor({
      logger,
      materials: [
        { courseId: 'bio', filename: 'cells.md', text: NOTES },
        {
          courseId: 'history',
          filename: 'rev.md',
          text: '# Revolution\n\nThe Bastille was stormed on 14 July 1789 by a crowd in Paris.',
        },
      ],
    });
    ({ tutor, store } = fixture);
    materialId = fixture.materialIds[0]!;
  }, 120_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('streams a grounded, cited answer token by token and stores both messages', async () => {
    const chunks: ReplyChunk[] = [];
    for await (const chunk of tutor.chat({
      userId: 'ann',
      courseId: 'bio',
      text: 'What molecule stores the energy a cell uses?',
    }))
      chunks.push(chunk);
    const kinds = chunks.map((c) => c.body?.$case);
    expect(kinds.filter((k) => k === 'token').length).toBeGreaterThan(5);
    expect(kinds.at(-1)).toBe('done');
    expect(chunks.map((c) => c.sequence)).toEqual(chunks.map((_, i) => i));
    const done = chunks.at(-1)?.body;
    if (done?.$case !== 'done') throw new Error('no done chunk');
    expect(done.value.text.startsWith(EXTRACTIVE_LEAD_IN)).toBe(true);
    expect(done.value.text).toMatch(/adenosine triphosphate/);
    expect(done.value.citations[0]).toMatchObject({
      kind: 'material',
      sourceId: materialId,
      title: 'Cell Biology',
      heading: 'Cell Biology > Mitochondria',
    });
    const sentences = chunks.flatMap((c) => (c.body?.$case === 'sentence' ? [c.body.value] : []));
    expect(sentences[0]).toBe(EXTRACTIVE_LEAD_IN);
    expect(sentences.join(' ')).not.toMatch(/\[\d\]/); // spoken text carries no markers
    const conversationId = chunks[0]!.conversationId;
    const messages = await tutor.messages(conversationId, 'ann');
    expect(messages.map((m) => [m.role, m.cancelled])).toEqual([
      ['user', false],
      ['assistant', false],
    ]);
    expect(messages[1]?.citations).toHaveLength(done.value.citations.length);
    await expect(tutor.messages(conversationId, 'bob')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it("answers only from the conversation's course and says so when it is not covered", async () => {
    let done: ReplyChunk['body'];
    for await (const chunk of tutor.chat({
      userId: 'ann',
      courseId: 'bio',
      text: 'When was the Bastille stormed?',
    }))
      done = chunk.body;
    expect(done).toEqual({ $case: 'done', value: { text: EXTRACTIVE_NOT_FOUND, citations: [] } });
  });

  it('rejects empty questions and foreign conversations', async () => {
    const drain = async (input: Parameters<TutorService['chat']>[0]) => {
      for await (const _ of tutor.chat(input)) void _;
    };
    await expect(drain({ userId: 'ann', courseId: 'bio', text: ' ' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const theirs = await tutor.createConversation({ userId: 'bob', courseId: 'bio' });
    await expect(
      drain({ userId: 'ann', courseId: 'bio', conversationId: theirs.id, text: 'hi there' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('holds a voice turn over the bus: finals → reply → speech, then records what was spoken; barge-in cancels', async () => {
    const bus = new MemoryBus();
    const voice = new VoiceTutor({
      bus,
      tutor,
      store,
      logger,
      endOfTurn: { unfinishedGraceMs: 300 },
    });
    const synthesizer = new PiperSynthesizer();
    await synthesizer.warm();
    const speaker = new ReplySpeaker({ bus, synthesizer, logger, leadMs: 200 });
    await voice.start();
    await speaker.start();
    const replies: ReplyChunk[] = [];
    const audio: { chunk: SpeechAudioChunk; at: number }[] = [];
    await bus.tail(tutorRepliesTopic, (c) => void replies.push(c));
    await bus.tail(speechAudioTopic, (c) => void audio.push({ chunk: c, at: Date.now() }));
    const spoken: { turnId: string; spokenText: string }[] = [];
    voice.events.spoken = (e) => spoken.push(e);
    const session = await voice.openSession({
      sessionId: 'room-9',
      userId: 'ann',
      courseId: 'bio',
    });

    let index = 0;
    const segment = (kind: SegmentKind, text: string, endOfTurn = false): TranscriptSegment =>
      TranscriptSegment.fromPartial({
        sessionId: 'room-9',
        streamId: 'mic',
        segmentIndex: kind === SegmentKind.SEGMENT_KIND_FINAL ? index++ : index,
        revision: 0,
        kind,
        text,
        words: [],
        startMs: 0,
        endMs: 0,
        language: 'en',
        emittedAtMs: Date.now(),
        audioCapturedAtMs: Date.now(),
        endOfTurn,
        streamEnded: false,
      });
    // A lecture session's segments are ignored.
    await bus.publish(transcriptsTopic, {
      ...segment(SegmentKind.SEGMENT_KIND_FINAL, 'Not for the tutor.', true),
      sessionId: 'lecture-1',
    });

    await bus.publish(
      transcriptsTopic,
      segment(SegmentKind.SEGMENT_KIND_PARTIAL, 'what do ribosomes'),
    );
    await bus.publish(
      transcriptsTopic,
      segment(SegmentKind.SEGMENT_KIND_FINAL, 'What do ribosomes do', true),
    );
    // No punctuation: the turn ends after the grace period.
    await waitFor('the first spoken turn', () => spoken.length === 1);
    const first = replies.filter((r) => r.body?.$case === 'done');
    expect(first).toHaveLength(1);
    expect(first[0]?.sessionId).toBe('room-9');
    const turn1 = first[0]!.turnId;
    expect(spoken[0]?.turnId).toBe(turn1);
    expect(spoken[0]?.spokenText).toMatch(
      /^Here is what your course materials say\. .*protein synthesis/,
    );
    expect(
      audio.filter((a) => a.chunk.utteranceId === turn1 && a.chunk.pcm.length > 0).length,
    ).toBeGreaterThan(10);
    const stored = await store.messages(session.conversationId);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored[0]?.content).toBe('What do ribosomes do');
    expect(stored[1]?.spokenText).toBe(spoken[0]?.spokenText);

    // Barge-in: the student speaks while the second answer is being spoken.
    await bus.publish(
      transcriptsTopic,
      segment(
        SegmentKind.SEGMENT_KIND_FINAL,
        'Tell me everything about mitochondria and their energy?',
        true,
      ),
    );
    await waitFor('audio of the second turn', () =>
      audio.some((a) => a.chunk.pcm.length > 0 && a.chunk.utteranceId !== turn1),
    );
    await new Promise((r) => setTimeout(r, 300));
    const bargeAt = Date.now();
    await bus.publish(transcriptsTopic, segment(SegmentKind.SEGMENT_KIND_PARTIAL, 'wait'));
    await waitFor('the second spoken turn', () => spoken.length === 2);
    const turn2 = spoken[1]!.turnId;
    // Whether generation was still running or only the speech was, the turn ends cancelled.
    expect(replies.filter((r) => r.turnId === turn2).at(-1)?.body).toEqual({
      $case: 'cancelled',
      value: { reason: 'barge-in' },
    });
    const late = audio.filter(
      (a) => a.chunk.utteranceId === turn2 && a.chunk.pcm.length > 0 && a.at > bargeAt + 300,
    );
    expect(late).toEqual([]);
    const messages = await store.messages(session.conversationId);
    const reply2 = messages.at(-1)!;
    expect(reply2).toMatchObject({ role: 'assistant', cancelled: true, turnId: turn2 });
    expect(reply2.spokenText).toBe(spoken[1]?.spokenText);
    // Spoken is what was played: a prefix of the reply's sentences, not the whole reply.
    expect(reply2.spokenText!.length).toBeGreaterThan(0);
    expect(reply2.spokenText!.length).toBeLessThan(
      reply2.content.replace(/\s*\[\d+\]/g, '').length,
    );

    await speaker.stop();
    await voice.stop();
    await synthesizer.close();
    await bus.close();
  });
});
