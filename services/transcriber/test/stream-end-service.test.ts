import { describe, expect, it } from 'vitest';
import { AudioChunker } from '@lm/audio';
import { MemoryBus, audioTopic } from '@lm/streams';
import type { TimedWord } from '../src/LocalAgreement.js';
import type { Recognizer } from '../src/ports.js';
import {
  MemoryCheckpointStore,
  type CheckpointStore,
  type StreamCheckpoint,
} from '../src/SessionCheckpoints.js';
import { metronomeWords, pcm } from './support/fakes.js';
import { startTestService, tailFinals } from './support/service.js';

// Every stream ends with exactly one stream-ended marker, after all of its finals, whatever the
// timing of decodes, checkpoint writes and the end of the audio. Stand-ins for the models with
// random delays (the real ones run in the integration tests); a seeded generator makes a failure
// repeatable.

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One word per 250 ms of decoded audio, after a random delay. */
class SlowRecognizer implements Recognizer {
  constructor(private readonly next: () => number) {}
  async recognize(audio: Float32Array): Promise<TimedWord[]> {
    await sleep(this.next() * 40);
    return metronomeWords(audio);
  }
}

/** Checkpoint writes that take a random while, as a database's do. */
class SlowCheckpoints implements CheckpointStore {
  private readonly inner = new MemoryCheckpointStore();
  constructor(private readonly next: () => number) {}
  load(sessionId: string, streamId: string) {
    return this.inner.load(sessionId, streamId);
  }
  nextSegmentIndex(sessionId: string) {
    return this.inner.nextSegmentIndex(sessionId);
  }
  async save(checkpoint: StreamCheckpoint) {
    await sleep(this.next() * 30);
    return this.inner.save(checkpoint);
  }
}

/** A started service on a fresh bus (closed after the test), and the finals it publishes. */
async function startService(recognizer: Recognizer, checkpoints: CheckpointStore) {
  const bus = new MemoryBus();
  const service = await startTestService(bus, recognizer, checkpoints);
  return { bus, service, seen: await tailFinals(bus) };
}

describe('TranscriberService stream end', () => {
  for (const seed of Array.from({ length: Number(process.env.SEEDS ?? 8) }, (_, i) => i + 1)) {
    it(`ends each of four concurrent streams with one marker after its finals (seed ${seed})`, async () => {
      const next = random(seed);
      const { bus, service, seen } = await startService(
        new SlowRecognizer(next),
        new SlowCheckpoints(next),
      );

      const sessions = ['end-a', 'end-b', 'end-c', 'end-d'];
      await Promise.all(
        sessions.map(async (session) => {
          const chunker = new AudioChunker({ sessionId: session, streamId: 'mic' });
          // Speech and pauses of random lengths, sent faster than real time; the stream often
          // ends in the middle of speech or just after it.
          const parts = 4 + Math.floor(next() * 4);
          for (let part = 0; part < parts; part++) {
            const loud = part % 2 === 0;
            await bus.publish(
              audioTopic,
              chunker.push(pcm(100 + Math.floor(next() * 15) * 100, loud)),
            );
            await sleep(next() * 60);
          }
          await sleep(next() * 400);
          await bus.publish(audioTopic, chunker.end('client'));
        }),
      );
      const deadline = Date.now() + 10_000;
      while (service.stats.finishedStreams < sessions.length && Date.now() < deadline)
        await sleep(20);
      await service.idle();
      await sleep(100);

      for (const session of sessions) {
        const finals = seen.filter((s) => s.sessionId === session);
        const markers = finals.filter((s) => s.streamEnded);
        expect(markers, `${session}: markers`).toHaveLength(1);
        expect(finals.at(-1)?.streamEnded, `${session}: marker last`).toBe(true);
      }
    });
  }

  it('an end that arrives while the last final is being saved is marked after that final', async () => {
    let releaseSave: (() => void) | undefined;
    let savesHeld = 0;
    const inner = new MemoryCheckpointStore();
    const gated: CheckpointStore = {
      load: (session, stream) => inner.load(session, stream),
      nextSegmentIndex: (session) => inner.nextSegmentIndex(session),
      async save(checkpoint) {
        if (!checkpoint.ended && checkpoint.pendingFinals.length > 0) {
          savesHeld += 1;
          await new Promise<void>((resolve) => (releaseSave = resolve));
        }
        return inner.save(checkpoint);
      },
    };
    const { bus, service, seen } = await startService(new SlowRecognizer(() => 0), gated);
    const chunker = new AudioChunker({ sessionId: 'end-gated', streamId: 'mic' });
    // Speech, then a silence long enough to end the turn: its final is decoded and held in save.
    await bus.publish(audioTopic, chunker.push(pcm(800, true)));
    await bus.publish(audioTopic, chunker.push(pcm(1_000, false)));
    const deadline = Date.now() + 5_000;
    while (savesHeld === 0 && Date.now() < deadline) await sleep(5);
    expect(savesHeld).toBe(1);
    // The stream ends while that final waits for its checkpoint; then the save completes.
    await bus.publish(audioTopic, chunker.end('client'));
    await sleep(50);
    releaseSave?.();
    while (service.stats.finishedStreams < 1 && Date.now() < deadline) await sleep(5);
    await service.idle();
    await sleep(50);

    expect(seen.filter((s) => s.text !== '').length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.streamEnded)).toHaveLength(1);
    expect(seen.at(-1)?.streamEnded).toBe(true);
    expect(service.stats.finishedStreams).toBe(1);
  });
});
