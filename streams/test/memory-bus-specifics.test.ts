import { describe, expect, it } from 'vitest';
import { waitFor } from '@lm/kit/testing';
import { BusConfigError, KafkaBus, MemoryBus, createBus, silentLogger } from '../src/index.js';
import { interleavedEvents, testTopic, type TestEvent } from './support/testTopic.js';

// What the contract cannot say about every bus: the MemoryBus's own bounds and rebalancing.
describe('MemoryBus', () => {
  it('moves a leaving member’s partitions to the others without losing or repeating messages', async () => {
    const bus = new MemoryBus();
    const topic = testTopic(6);
    const a: string[] = [];
    const b: string[] = [];
    const subA = await bus.subscribe(topic, { group: 'g' }, (_e, d) => void a.push(d.id));
    const subB = await bus.subscribe(topic, { group: 'g' }, (_e, d) => void b.push(d.id));
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    await bus.publish(topic, interleavedEvents(keys, 5));
    await waitFor('first half', () => a.length + b.length, {
      until: (n) => n >= 60,
      timeoutMs: 2_000,
    });
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);

    await subB.close();
    const more = keys.map((key): TestEvent => ({ key, seq: 5 }));
    await bus.publish(topic, more);
    await waitFor('second half on A', () => a.length + b.length, {
      until: (n) => n >= 72,
      timeoutMs: 2_000,
    });
    expect(b.length + a.length).toBe(72);
    expect(new Set([...a, ...b]).size).toBe(72);
    expect(a.filter((id) => id.endsWith('/5'))).toHaveLength(12);
    expect(bus.committedOffset(topic, 'g', 0)).toBeGreaterThan(0);
    await subA.close();
    await bus.close();
  });

  it('keeps memory bounded by retention; a consumer that falls behind skips to what is retained', async () => {
    const bus = new MemoryBus({ retention: { maxMessages: 50 }, logger: silentLogger });
    const topic = testTopic(1);
    await bus.ensureTopics([topic]);
    const seen: number[] = [];
    // A group created at the start, then starved while 1000 messages arrive.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe(topic, { group: 'slow' }, async (event) => {
      seen.push(event.seq);
      await gate;
    });
    await bus.publish(topic, { key: 'k', seq: 0 });
    await waitFor('the first message in the handler', () => seen.length, {
      until: (n) => n === 1,
      timeoutMs: 2_000,
    });
    await bus.publish(topic, interleavedEvents(['k'], 1000).slice(1));
    expect(bus.partitionState(topic, 0)).toMatchObject({
      retainedMessages: 50,
      startOffset: 950,
      endOffset: 1000,
    });
    release();
    await waitFor('the retained tail', () => seen.length, {
      until: (n) => n >= 51,
      timeoutMs: 2_000,
    });
    expect(seen.slice(0, 2)).toEqual([0, 950]);
    expect(seen.at(-1)).toBe(999);
    await bus.close();
  });

  it('refuses to work after close', async () => {
    const bus = new MemoryBus();
    await bus.close();
    await expect(bus.publish(testTopic(1), { key: 'k', seq: 0 })).rejects.toThrow(
      'the bus is closed',
    );
  });
});

describe('createBus', () => {
  it('picks Kafka when KAFKA_BROKERS is set, else the in-memory bus', async () => {
    const memory = createBus({ env: {}, logger: silentLogger });
    expect(memory).toBeInstanceOf(MemoryBus);
    const kafka = createBus({
      env: { KAFKA_BROKERS: '127.0.0.1:1,localhost:2' },
      logger: silentLogger,
    });
    expect(kafka).toBeInstanceOf(KafkaBus);
    expect(kafka.topicName(testTopic())).toBe('lm.test-events.v1');
    const prefixed = createBus({ env: { LM_TOPIC_PREFIX: 'ci-7.' }, logger: silentLogger });
    expect(prefixed.topicName(testTopic())).toBe('ci-7.lm.test-events.v1');
    await Promise.all([memory.close(), kafka.close(), prefixed.close()]);
  });

  it('names the variable that is wrong', () => {
    const attempt = (env: NodeJS.ProcessEnv) => () => createBus({ env, logger: silentLogger });
    expect(attempt({ KAFKA_BROKERS: 'no-port' })).toThrow(/^KAFKA_BROKERS: /);
    expect(attempt({ LM_TOPIC_PREFIX: 'bad prefix' })).toThrow(/^LM_TOPIC_PREFIX: /);
    expect(attempt({ KAFKA_BROKERS: 'h:1', KAFKA_SESSION_TIMEOUT_MS: '10' })).toThrow(
      BusConfigError,
    );
    expect(attempt({ KAFKA_BROKERS: 'h:1', KAFKA_CLIENT_LOG_LEVEL: 'loud' })).toThrow(
      /KAFKA_CLIENT_LOG_LEVEL/,
    );
  });
});
