import { describe, expect, it } from 'vitest';
import { AudioChunker } from '@lm/audio';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { MemoryBus, audioTopic, partitionForKey, transcriptsTopic } from '@lm/streams';
import { waitFor } from '@lm/kit/testing';
import type { TimedWord } from '../src/LocalAgreement.js';
import type { Recognizer } from '../src/ports.js';
import { MemoryCheckpointStore } from '../src/SessionCheckpoints.js';
import { metronomeWords, pcm } from './support/fakes.js';
import { startTestService, tailFinals } from './support/service.js';

/** Within a unit test's time, so that a miss names what it waited for. */
const SOON = { timeoutMs: 5_000 };

// The transcriber's side of commit hold-back, on the in-memory bus with stand-ins for the models
// (the real ones run in crash-resume.int.test.ts): while an utterance is unfinished the group's
// committed offset stays before its audio, and moves on once its finals are saved.

/** One word per 250 ms of decoded audio: successive decodes of a growing buffer agree. */
class MetronomeRecognizer implements Recognizer {
  recognize(audio: Float32Array): Promise<TimedWord[]> {
    return Promise.resolve(metronomeWords(audio));
  }
}

describe('TranscriberService commit hold-back', () => {
  it('holds the committed offset before an unfinished utterance and releases it after its finals', async () => {
    const bus = new MemoryBus();
    const checkpoints = new MemoryCheckpointStore();
    const service = await startTestService(bus, new MetronomeRecognizer(), checkpoints);
    const finals = await tailFinals(bus);

    const session = 'hold-1';
    const partition = partitionForKey(session, audioTopic.partitions);
    const committed = () => bus.committedOffset(audioTopic, 'lm-transcriber', partition) ?? -1;
    const chunker = new AudioChunker({ sessionId: session, streamId: 'mic' });
    const offsets: number[] = [];
    const send = async (ms: number, loud: boolean) => {
      for (const receipt of await bus.publish(audioTopic, chunker.push(pcm(ms, loud)))) {
        offsets.push(Number(receipt.offset));
      }
    };

    // 2 s of silence: nothing needed beyond a pre-roll, so commits follow the reading.
    await send(2_000, false);
    await waitFor('the silence committed', () => committed() >= offsets[12]!, SOON);
    // 3 s of speech with no pause: one unfinished utterance.
    const speechStart = offsets.length;
    await send(3_000, true);
    await waitFor('the speech read', () => service.stats.decodes.partial >= 1, SOON);
    await service.idle();
    const held = committed();
    expect(held).toBeLessThanOrEqual(offsets[speechStart]!);
    expect(held).toBeGreaterThanOrEqual(offsets[speechStart - 8]!);
    expect(finals.filter((f) => f.endOfTurn)).toEqual([]);

    // The speaker stops: the utterance's final is saved, and the commits move past its audio.
    await send(2_000, false);
    await waitFor('the end-of-turn final', () => finals.some((f) => f.endOfTurn), SOON);
    await service.idle();
    await send(300, false); // a few more chunks, so the bus commits again
    await waitFor(
      'the commit past the utterance',
      () => committed() > offsets[speechStart + 30]!,
      SOON,
    );

    // The finals were written ahead into the checkpoint before they were published.
    const checkpoint = await checkpoints.load(session, 'mic');
    const lastFinal = finals.at(-1)!;
    expect(checkpoint?.pendingFinals.map((f) => f.segmentIndex)).toContain(lastFinal.segmentIndex);
    expect(checkpoint?.nextSegmentIndex).toBe(lastFinal.segmentIndex + 1);
  });

  it('a restarted transcriber publishes the finals written ahead again, with the same ids', async () => {
    const bus = new MemoryBus();
    const checkpoints = new MemoryCheckpointStore();
    const session = 'resume-1';
    const written: TranscriptSegment = {
      sessionId: session,
      streamId: 'mic',
      segmentIndex: 4,
      revision: 2,
      kind: SegmentKind.SEGMENT_KIND_FINAL,
      text: 'the cell',
      words: [
        { text: 'the', startMs: 1000, endMs: 1200, confidence: 0.5 },
        { text: 'cell', startMs: 1250, endMs: 1500, confidence: 0.75 },
      ],
      startMs: 1000,
      endMs: 1500,
      language: 'en',
      emittedAtMs: 1,
      audioCapturedAtMs: 1,
      endOfTurn: false,
      streamEnded: false,
    };
    // What the crashed transcriber saved just before publishing (maybe never published).
    await checkpoints.save({
      sessionId: session,
      streamId: 'mic',
      nextSegmentIndex: 5,
      finalisedUntilMs: 1500,
      ended: false,
      pendingFinals: [written],
    });
    const service = await startTestService(bus, new MetronomeRecognizer(), checkpoints);
    const seen: { id: string; segment: TranscriptSegment }[] = [];
    await bus.tail(transcriptsTopic, (segment, delivery) => {
      seen.push({ id: delivery.id, segment });
    });

    // The held-back audio comes again (here: the stream's audio from 1 s on, then its end).
    const chunker = new AudioChunker({ sessionId: session, streamId: 'mic' });
    chunker.push(pcm(1_000, false)); // before the held-back offset: not re-read
    await bus.publish(audioTopic, chunker.push(pcm(1_000, true)));
    await bus.publish(audioTopic, chunker.push(pcm(1_500, false)));
    await bus.publish(audioTopic, chunker.end('client'));
    await waitFor('the stream finished', () => service.stats.finishedStreams === 1, SOON);

    const finals = seen.filter((s) => s.segment.kind === SegmentKind.SEGMENT_KIND_FINAL);
    expect(finals[0]).toEqual({ id: 'resume-1/4/2/final', segment: written });
    // Numbering goes on from the checkpoint, without gaps; the end marker comes last.
    expect(finals.map((f) => f.segment.segmentIndex)).toEqual(finals.map((_, i) => 4 + i));
    expect(finals.at(-1)?.segment.streamEnded).toBe(true);
    // Words whose middle lies before the resume point were final before the restart.
    for (const { segment } of finals.slice(1)) {
      for (const w of segment.words) expect((w.startMs + w.endMs) / 2).toBeGreaterThanOrEqual(1500);
    }

    // The end, too, was written ahead: chunks read again after it change nothing.
    const before = seen.length;
    const again = new AudioChunker({ sessionId: session, streamId: 'mic' });
    await bus.publish(audioTopic, again.push(pcm(500, true)));
    await bus.publish(audioTopic, again.end('client'));
    await service.idle();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBe(before);
  });
});
