// The one behaviour every Bus must have. memory-bus.test.ts runs it against the MemoryBus,
// kafka-bus.int.test.ts against a real Kafka broker; a difference between the two is a bug.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AudioChunk, AudioPurpose } from '@lm/proto/audio/v1/audio';
import {
  BusHandlerError,
  audioTopic,
  partitionForKey,
  readDeadLetter,
  type Bus,
  type Delivery,
} from '../src/index.js';
import {
  HOLD_COMMIT_INTERVAL_MS,
  HoldingHandler,
  RELEASE_LATER_MS,
  keysOnDistinctPartitions,
} from './support/HoldingHandler.js';
import { SinkFile } from './support/SinkFile.js';
import {
  interleavedEvents,
  testEventCodec,
  testEventId,
  testTopic,
  type TestEvent,
} from './support/testTopic.js';
import { sleep, waitFor } from '@lm/kit/testing';

export interface DoomedConsumerArgs {
  /** The bus of the test (an in-process consumer uses it; a child process builds its own). */
  bus: Bus;
  prefix: string;
  group: string;
  partitions: number;
  sink: SinkFile;
  /**
   * `hang`: the consumer records each message in the sink and hangs in the handler of message
   * number `after`. `hold`: a HoldingHandler (records each message, holds commits back as the
   * events' notes say) that never hangs.
   */
  behaviour: { kind: 'hang'; after: number } | { kind: 'hold' };
}

export interface BusContractHarness {
  /** A bus on its own topic prefix (unique per test). The suite closes it after the test. */
  createBus(prefix: string): Bus;
  /** Starts a consumer of `testTopic(partitions)` that can die without any chance to commit. */
  startDoomedConsumer(args: DoomedConsumerArgs): Promise<{ kill(): Promise<void> }>;
  /** Longest wait for an expected delivery (Kafka joins and rebalances take seconds). */
  deliveryTimeoutMs: number;
  /** How long to watch that something does NOT arrive. */
  quietMs: number;
  /** A handler this slow must not cost the member its partitions (Kafka: > session timeout). */
  longHandlerMs: number;
}

/** Collects what a handler saw. */
class Received<T> {
  readonly items: { value: T; delivery: Delivery }[] = [];
  readonly handler = (value: T, delivery: Delivery): void => {
    this.items.push({ value, delivery });
  };

  get ids(): string[] {
    return this.items.map((i) => i.delivery.id);
  }
}

let prefixCounter = 0;
const uniquePrefix = () =>
  `t${Date.now().toString(36)}${process.pid.toString(36)}${(prefixCounter++).toString(36)}.`;

const sorted = (values: readonly string[]) => [...values].sort();

export function busContract(name: string, harness: BusContractHarness): void {
  describe(`Bus contract: ${name}`, () => {
    const T = harness.deliveryTimeoutMs;
    const buses: Bus[] = [];
    const scratch = mkdtempSync(join(tmpdir(), 'lm-bus-contract-'));
    let prefix = '';
    const newBus = () => {
      const bus = harness.createBus(prefix);
      buses.push(bus);
      return bus;
    };

    beforeEach(() => {
      prefix = uniquePrefix();
    });
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('round-trips a catalog message with its key, id and partition', async () => {
      const bus = newBus();
      const got = new Received<AudioChunk>();
      await bus.subscribe(audioTopic, { group: 'transcriber' }, got.handler);
      const chunk = AudioChunk.fromPartial({
        sessionId: 'lecture-42',
        streamId: 'mic',
        sequence: 7,
        startMs: 140,
        sampleRate: 16000,
        pcm: Buffer.from(Array.from({ length: 640 }, (_, i) => i % 256)),
        capturedAtMs: Date.now(),
        purpose: AudioPurpose.AUDIO_PURPOSE_LECTURE,
      });
      const [receipt] = await bus.publish(audioTopic, chunk);
      expect(receipt).toMatchObject({
        id: 'lecture-42/mic/7',
        key: 'lecture-42',
        partition: partitionForKey('lecture-42', audioTopic.partitions),
      });
      await waitFor('the chunk', () => got.items.length, { until: (n) => n >= 1, timeoutMs: T });
      const [{ value, delivery }] = got.items as [(typeof got.items)[number]];
      expect(value).toEqual(chunk);
      expect(delivery).toMatchObject({
        topic: 'lm.audio.v1',
        key: 'lecture-42',
        id: 'lecture-42/mic/7',
        partition: receipt!.partition,
        offset: receipt!.offset,
        attempt: 1,
      });
    });

    it('refuses to publish a value its topic calls unusable, and publishes none of the batch', async () => {
      const bus = newBus();
      const got = new Received<AudioChunk>();
      await bus.subscribe(audioTopic, { group: 'transcriber' }, got.handler);
      const good = AudioChunk.fromPartial({ sessionId: 's1', streamId: 'mic', sequence: 0 });
      const bad = AudioChunk.fromPartial({ sessionId: '', streamId: 'mic', sequence: 1 });
      await expect(bus.publish(audioTopic, [good, bad])).rejects.toMatchObject({
        code: 'invalid_message',
        message: expect.stringContaining('sessionId is empty') as unknown,
      });
      await bus.publish(audioTopic, { ...good, sequence: 2 });
      await waitFor('the valid chunk', () => got.items.length, {
        until: (n) => n >= 1,
        timeoutMs: T,
      });
      await sleep(harness.quietMs);
      expect(got.ids).toEqual(['s1/mic/2']);
    });

    it('keeps per-key order and spreads keys over partitions by key hash', async () => {
      const bus = newBus();
      const topic = testTopic(4);
      const got = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'order' }, got.handler);
      const keys = Array.from({ length: 16 }, (_, i) => `session-${i}`);
      const events = interleavedEvents(keys, 25);
      // Published in several calls of one message per key, as concurrent sessions would.
      for (let i = 0; i < events.length; i += keys.length) {
        await bus.publish(topic, events.slice(i, i + keys.length));
      }
      await waitFor('400 events', () => got.items.length, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      const partitionsUsed = new Set<number>();
      for (const key of keys) {
        const mine = got.items.filter((i) => i.value.key === key);
        expect(mine.map((i) => i.value.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
        expect(new Set(mine.map((i) => i.delivery.partition))).toEqual(
          new Set([partitionForKey(key, 4)]),
        );
        // Offsets grow along a key's messages (they share a partition log).
        const offsets = mine.map((i) => BigInt(i.delivery.offset));
        expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
        partitionsUsed.add(partitionForKey(key, 4));
      }
      expect(partitionsUsed.size).toBeGreaterThanOrEqual(3);
      expect(got.items.length).toBe(events.length);
    });

    it('shares partitions between the members of one group; each message goes to one member', async () => {
      const bus = newBus();
      const topic = testTopic(4);
      const a = new Received<TestEvent>();
      const b = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'workers' }, a.handler);
      await bus.subscribe(topic, { group: 'workers' }, b.handler);
      const events = interleavedEvents(
        Array.from({ length: 40 }, (_, i) => `k${i}`),
        5,
      );
      await bus.publish(topic, events);
      await waitFor('all events across both members', () => new Set([...a.ids, ...b.ids]).size, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      await sleep(harness.quietMs);
      expect(a.items.length).toBeGreaterThan(0);
      expect(b.items.length).toBeGreaterThan(0);
      expect(a.items.length + b.items.length).toBe(events.length);
      const aParts = new Set(a.items.map((i) => i.delivery.partition));
      const bParts = new Set(b.items.map((i) => i.delivery.partition));
      expect([...aParts].filter((p) => bParts.has(p))).toEqual([]);
    });

    it('gives every group every message', async () => {
      const bus = newBus();
      const topic = testTopic(4);
      const g1 = new Received<TestEvent>();
      const g2 = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'captions' }, g1.handler);
      await bus.subscribe(topic, { group: 'archive' }, g2.handler);
      const events = interleavedEvents(['a', 'b', 'c', 'd', 'e'], 10);
      await bus.publish(topic, events);
      const all = sorted(events.map(testEventId));
      await waitFor('group 1', () => g1.items.length, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      await waitFor('group 2', () => g2.items.length, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      expect(sorted(g1.ids)).toEqual(all);
      expect(sorted(g2.ids)).toEqual(all);
    });

    it('starts a new group at the end unless fromBeginning; committed offsets win after a restart', async () => {
      const bus = newBus();
      const topic = testTopic(2);
      await bus.ensureTopics([topic]);
      await bus.publish(topic, interleavedEvents(['x', 'y'], 3)); // 6 before anyone listens

      const late = new Received<TestEvent>();
      const early = new Received<TestEvent>();
      const lateSub = await bus.subscribe(topic, { group: 'late' }, late.handler);
      await bus.subscribe(topic, { group: 'early', fromBeginning: true }, early.handler);
      await bus.publish(topic, [
        { key: 'x', seq: 3 },
        { key: 'y', seq: 3 },
      ]);
      await waitFor('early group', () => early.items.length, {
        until: (n) => n >= 8,
        timeoutMs: T,
      });
      await waitFor('late group', () => late.items.length, { until: (n) => n >= 2, timeoutMs: T });
      expect(sorted(late.ids)).toEqual(['x/3', 'y/3']);

      // Restart of the late group: it resumes after what it committed, not at the new end.
      await lateSub.close();
      await bus.publish(topic, [
        { key: 'x', seq: 4 },
        { key: 'y', seq: 4 },
      ]);
      const resumed = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'late', fromBeginning: true }, resumed.handler);
      await waitFor('resumed group', () => resumed.items.length, {
        until: (n) => n >= 2,
        timeoutMs: T,
      });
      await sleep(harness.quietMs);
      expect(sorted(resumed.ids)).toEqual(['x/4', 'y/4']);
    });

    it('redelivers what a crashed consumer had not committed; dedupe keeps the effect exactly-once', async () => {
      const bus = newBus();
      const partitions = 3;
      const topic = testTopic(partitions);
      await bus.ensureTopics([topic]);
      const sink = new SinkFile(join(scratch, `${prefix}sink.txt`));
      const keys = ['s1', 's2', 's3'];
      const first = interleavedEvents(keys, 10);
      await bus.publish(topic, first);

      const doomed = await harness.startDoomedConsumer({
        bus,
        prefix,
        group: 'transcriber',
        partitions,
        sink,
        behaviour: { kind: 'hang', after: 12 },
      });
      await waitFor('the doomed consumer to handle 12', () => sink.lines().length, {
        until: (n) => n >= 12,
        timeoutMs: T,
      });
      await doomed.kill();
      const beforeCrash = sink.lines();

      // The stream goes on while nobody consumes.
      const second = keys.flatMap((key) =>
        Array.from({ length: 5 }, (_, i): TestEvent => ({ key, seq: 10 + i })),
      );
      await bus.publish(topic, second);

      const all = [...first, ...second];
      const successor = await bus.subscribe(
        topic,
        { group: 'transcriber', fromBeginning: true, dedupe: { store: sink } },
        (_event, delivery) => sink.append(delivery.id),
      );
      await waitFor('every message in the sink', () => new Set(sink.lines()).size, {
        until: (n) => n >= all.length,
        timeoutMs: T + 30_000,
      });
      await sleep(harness.quietMs);

      const lines = sink.lines();
      expect(beforeCrash.length).toBeGreaterThanOrEqual(12);
      expect(lines.length).toBe(all.length); // nothing twice
      expect(sorted(lines)).toEqual(sorted(all.map(testEventId)));
      // At least the message in flight at the crash came again and was recognised.
      expect(successor.stats().duplicates).toBeGreaterThanOrEqual(1);
      // Order per key holds across the crash.
      for (const key of keys) {
        const seqs = lines
          .filter((l) => l.startsWith(`${key}/`))
          .map((l) => Number(l.split('/')[1]));
        expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i));
      }
    });

    it('dead-letters a rejected message with the reason, and goes on with the next', async () => {
      const bus = newBus();
      const topic = testTopic(2);
      const got = new Received<TestEvent>();
      const sub = await bus.subscribe(topic, { group: 'strict' }, (event, delivery) => {
        if (event.fail === 'reject') {
          throw new BusHandlerError('bad_input', `cannot use message ${event.seq}`);
        }
        got.handler(event, delivery);
      });
      const dead = new Received<Buffer>();
      await bus.subscribe(topic.dlq!, { group: 'dlq-reader', fromBeginning: true }, dead.handler);
      await bus.publish(topic, [
        { key: 'k', seq: 0 },
        { key: 'k', seq: 1 },
        { key: 'k', seq: 2, fail: 'reject' },
        { key: 'k', seq: 3 },
      ]);
      await waitFor('the rest handled', () => got.items.length, {
        until: (n) => n >= 3,
        timeoutMs: T,
      });
      await waitFor('the dead letter', () => dead.items.length, {
        until: (n) => n >= 1,
        timeoutMs: T,
      });
      expect(got.items.map((i) => i.value.seq)).toEqual([0, 1, 3]);
      const [letter] = dead.items as [(typeof dead.items)[number]];
      expect(testEventCodec.decode(letter.value)).toEqual({ key: 'k', seq: 2, fail: 'reject' });
      expect(letter.delivery.key).toBe('k');
      expect(letter.delivery.topic).toBe('lm.test-events.v1.dlq');
      expect(readDeadLetter(letter.delivery)).toMatchObject({
        failure: 'rejected',
        sourceTopic: 'lm.test-events.v1',
        sourcePartition: partitionForKey('k', 2),
        group: 'strict',
        attempts: 1,
        id: 'k/2',
      });
      expect(readDeadLetter(letter.delivery)?.reason).toContain('cannot use message 2');
      expect(readDeadLetter(letter.delivery)?.reason).toContain('bad_input');
      expect(sub.stats()).toMatchObject({ handled: 3, deadLettered: 1, retries: 0 });
    });

    it('retries retryable failures with backoff, and dead-letters them when retries run out', async () => {
      const bus = newBus();
      const topic = testTopic(2);
      const attempts = new Map<string, number[]>();
      const handled: string[] = [];
      const sub = await bus.subscribe(
        topic,
        { group: 'patient', retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 } },
        (event, delivery) => {
          attempts.set(delivery.id, [...(attempts.get(delivery.id) ?? []), delivery.attempt]);
          if (event.fail === 'broken' || (event.fail === 'flaky' && delivery.attempt < 3)) {
            throw Object.assign(new Error(`backend unavailable for ${delivery.id}`), {
              retryable: true,
            });
          }
          handled.push(delivery.id);
        },
      );
      const dead = new Received<Buffer>();
      await bus.subscribe(topic.dlq!, { group: 'dlq-reader', fromBeginning: true }, dead.handler);
      await bus.publish(topic, [
        { key: 'k', seq: 0, fail: 'flaky' },
        { key: 'k', seq: 1, fail: 'broken' },
        { key: 'k', seq: 2 },
      ]);
      await waitFor('the healthy messages', () => handled.length, {
        until: (n) => n >= 2,
        timeoutMs: T,
      });
      await waitFor('the dead letter', () => dead.items.length, {
        until: (n) => n >= 1,
        timeoutMs: T,
      });
      expect(handled).toEqual(['k/0', 'k/2']);
      expect(attempts.get('k/0')).toEqual([1, 2, 3]);
      expect(attempts.get('k/1')).toEqual([1, 2, 3]);
      const info = readDeadLetter(dead.items[0]!.delivery);
      expect(info).toMatchObject({ failure: 'retries-exhausted', attempts: 3, id: 'k/1' });
      expect(info?.reason).toContain('backend unavailable for k/1');
      expect(sub.stats()).toMatchObject({ handled: 2, deadLettered: 1, retries: 4 });
    });

    it('sends malformed bytes to the dead-letter topic', async () => {
      const bus = newBus();
      const topic = testTopic(1);
      const got = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'reader' }, got.handler);
      const dead = new Received<Buffer>();
      await bus.subscribe(topic.dlq!, { group: 'dlq-reader', fromBeginning: true }, dead.handler);
      await bus.publishRaw(topic, [{ key: 'k', value: Buffer.from('\u0000not json at all') }]);
      await bus.publish(topic, { key: 'k', seq: 1 });
      await waitFor('the good message', () => got.items.length, {
        until: (n) => n >= 1,
        timeoutMs: T,
      });
      await waitFor('the dead letter', () => dead.items.length, {
        until: (n) => n >= 1,
        timeoutMs: T,
      });
      expect(got.ids).toEqual(['k/1']);
      expect(dead.items[0]!.value.toString('utf8')).toBe('\u0000not json at all');
      const info = readDeadLetter(dead.items[0]!.delivery);
      expect(info).toMatchObject({ failure: 'malformed', attempts: 0, id: undefined });
      expect(info?.reason).toMatch(/^malformed message: /);
    });

    it('skips a message whose id was already handled', async () => {
      const bus = newBus();
      const topic = testTopic(2);
      const got = new Received<TestEvent>();
      const sub = await bus.subscribe(topic, { group: 'once' }, got.handler);
      await bus.publish(topic, { key: 'k', seq: 0, note: 'first' });
      await bus.publish(topic, { key: 'k', seq: 0, note: 'producer retried' });
      await bus.publish(topic, { key: 'k', seq: 1 });
      await waitFor('two distinct messages', () => sub.stats().received, {
        until: (n) => n >= 3,
        timeoutMs: T,
      });
      expect(got.ids).toEqual(['k/0', 'k/1']);
      expect(got.items[0]!.value.note).toBe('first');
      expect(sub.stats()).toMatchObject({ handled: 2, duplicates: 1 });
    });

    it('a graceful close finishes the message in flight and commits it', async () => {
      const bus = newBus();
      const topic = testTopic(1);
      const started: number[] = [];
      const finished: number[] = [];
      const sub = await bus.subscribe(topic, { group: 'slow' }, async (event) => {
        started.push(event.seq);
        await sleep(300);
        finished.push(event.seq);
      });
      await bus.publish(topic, interleavedEvents(['k'], 5));
      await waitFor('the second message to start', () => started.length, {
        until: (n) => n >= 2,
        timeoutMs: T,
      });
      await sub.close();
      expect(finished).toEqual([0, 1]); // in flight when close() was called, finished before it resolved
      expect(started).toEqual([0, 1]); // nothing new was taken

      const next = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'slow' }, next.handler);
      await waitFor('the rest', () => next.items.length, { until: (n) => n >= 3, timeoutMs: T });
      await sleep(harness.quietMs);
      expect(next.items.map((i) => i.value.seq)).toEqual([2, 3, 4]);
    });

    it('holds commits back: after a graceful close the next member re-reads from the oldest needed message', async () => {
      const bus = newBus();
      const topic = testTopic(3);
      const [held, released, free] = keysOnDistinctPartitions('k', 3, (k) => partitionForKey(k, 3));
      const handled: string[] = [];
      const holding = new HoldingHandler((id) => handled.push(id));
      const sub = await bus.subscribe(
        topic,
        { group: 'stateful', holdBack: holding.holdBack },
        holding.handler,
      );
      const events: TestEvent[] = [
        { key: held!, seq: 0 },
        { key: released!, seq: 0, note: 'hold' },
        { key: free!, seq: 0 },
        { key: held!, seq: 1, note: 'hold' },
        { key: released!, seq: 1 },
        { key: free!, seq: 1 },
        { key: held!, seq: 2 },
        { key: released!, seq: 2, note: 'release' },
        { key: free!, seq: 2 },
        { key: held!, seq: 3 },
      ];
      await bus.publish(topic, events);
      await waitFor('every event handled', () => handled.length, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      // One member owns every partition, and was told so.
      expect(holding.assignments.at(-1)).toEqual([0, 1, 2]);
      await sub.close();

      // A new member (a restarted service) starts where the group committed.
      const again = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'stateful', fromBeginning: true }, again.handler);
      await waitFor('the held-back messages', () => again.items.length, {
        until: (n) => n >= 3,
        timeoutMs: T,
      });
      await sleep(harness.quietMs);
      // Only the key still holding, from its oldest needed message on, in order.
      expect(again.ids).toEqual([`${held}/1`, `${held}/2`, `${held}/3`]);
    });

    it('holds commits back across a crash: the restarted consumer re-receives exactly the held messages', async () => {
      const bus = newBus();
      const partitions = 3;
      const topic = testTopic(partitions);
      await bus.ensureTopics([topic]);
      const [held, later, free] = keysOnDistinctPartitions('s', 3, (k) =>
        partitionForKey(k, partitions),
      );
      const first: TestEvent[] = [
        { key: held!, seq: 0 },
        { key: later!, seq: 0, note: 'hold' },
        { key: free!, seq: 0 },
        { key: held!, seq: 1, note: 'hold' },
        // Released outside any handler, with no message after it on its partition: only the
        // bus's periodic commit can move that partition on before the crash.
        { key: later!, seq: 1, note: 'release-later' },
        { key: free!, seq: 1 },
        { key: held!, seq: 2 },
        { key: free!, seq: 2 },
      ];
      await bus.publish(topic, first);
      const sink = new SinkFile(join(scratch, `${prefix}held-sink.txt`));
      const doomed = await harness.startDoomedConsumer({
        bus,
        prefix,
        group: 'stateful',
        partitions,
        sink,
        behaviour: { kind: 'hold' },
      });
      await waitFor('the doomed consumer to handle every message', () => sink.lines().length, {
        until: (n) => n >= first.length,
        timeoutMs: T,
      });
      // Time for the late release and a few commit intervals, then the process dies (SIGKILL).
      await sleep(RELEASE_LATER_MS + 5 * HOLD_COMMIT_INTERVAL_MS);
      await doomed.kill();

      const second: TestEvent[] = [
        { key: held!, seq: 3 },
        { key: later!, seq: 2 },
        { key: free!, seq: 3 },
      ];
      await bus.publish(topic, second);
      const restarted = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'stateful', fromBeginning: true }, restarted.handler);
      await waitFor('the held-back and the new messages', () => restarted.items.length, {
        until: (n) => n >= 5,
        timeoutMs: T + 30_000,
      });
      await sleep(harness.quietMs);
      expect(sorted(sink.lines())).toEqual(sorted(first.map(testEventId)));
      expect(sorted(restarted.ids)).toEqual(
        sorted([`${held}/1`, `${held}/2`, `${held}/3`, `${later}/2`, `${free}/3`]),
      );
    });

    it('refuses a hold-back together with a durable dedupe store', async () => {
      const bus = newBus();
      const holding = new HoldingHandler();
      const sink = new SinkFile(join(scratch, `${prefix}refused.txt`));
      await expect(
        bus.subscribe(
          testTopic(1),
          { group: 'g', holdBack: holding.holdBack, dedupe: { store: sink } },
          holding.handler,
        ),
      ).rejects.toMatchObject({ code: 'invalid_options' });
    });

    it('keeps its partitions while a handler runs long: nothing is redelivered', async () => {
      const bus = newBus();
      const topic = testTopic(1);
      const seen: number[] = [];
      const sub = await bus.subscribe(topic, { group: 'slow-handler' }, async (event) => {
        seen.push(event.seq);
        if (event.seq === 0) await sleep(harness.longHandlerMs);
      });
      await bus.publish(topic, interleavedEvents(['k'], 3));
      await waitFor('all three', () => seen.length, {
        until: (n) => n >= 3,
        timeoutMs: T + harness.longHandlerMs,
      });
      await sleep(harness.quietMs);
      expect(seen).toEqual([0, 1, 2]);
      expect(sub.stats()).toMatchObject({ received: 3, handled: 3, duplicates: 0 });
    });

    it('tails: each tail sees every new message from every partition, without touching groups', async () => {
      const bus = newBus();
      const topic = testTopic(4);
      await bus.ensureTopics([topic]);
      await bus.publish(topic, interleavedEvents(['old1', 'old2'], 2));
      const t1 = new Received<TestEvent>();
      const t2 = new Received<TestEvent>();
      await bus.tail(topic, t1.handler);
      const failing = await bus.tail(topic, (event, delivery) => {
        if (event.fail === 'reject') throw new Error('viewer went away');
        t2.handler(event, delivery);
      });
      const events = [
        ...interleavedEvents(['a', 'b', 'c', 'd', 'e', 'f'], 4),
        { key: 'a', seq: 4, fail: 'reject' as const },
      ];
      await bus.publish(topic, events);
      const expected = sorted(events.map(testEventId));
      await waitFor('tail 1', () => t1.items.length, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      await waitFor('tail 2', () => failing.stats().received, {
        until: (n) => n >= events.length,
        timeoutMs: T,
      });
      expect(sorted(t1.ids)).toEqual(expected);
      expect(new Set(t1.items.map((i) => i.delivery.partition)).size).toBeGreaterThan(1);
      expect(sorted(t2.ids)).toEqual(expected.filter((id) => id !== 'a/4'));
      expect(failing.stats()).toMatchObject({ dropped: 1, deadLettered: 0 });

      // Tails commit nothing: a group created now from the beginning still gets everything.
      const group = new Received<TestEvent>();
      await bus.subscribe(topic, { group: 'after-tails', fromBeginning: true }, group.handler);
      await waitFor('the group', () => group.items.length, {
        until: (n) => n >= events.length + 4,
        timeoutMs: T,
      });
    });
  });
}
