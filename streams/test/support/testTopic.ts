import { defineTopic, type Codec, type Topic } from '../../src/index.js';

/** What the contract tests send: small JSON events with a key and a sequence number per key. */
export interface TestEvent {
  key: string;
  seq: number;
  /** Tells the test handler how to fail: `reject` (not retryable), `flaky` (2 retryable failures), `broken` (always retryable). */
  fail?: 'reject' | 'flaky' | 'broken';
  /** Payload padding (bench) or a marker. */
  note?: string;
}

/** JSON with a shape check: anything else (garbage bytes) fails to decode. */
export const testEventCodec: Codec<TestEvent> = {
  encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
  decode: (bytes) => {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<TestEvent> | null;
    if (typeof value?.key !== 'string' || typeof value.seq !== 'number') {
      throw new Error('not a TestEvent');
    }
    return value as TestEvent;
  },
};

export const testEventId = (event: Pick<TestEvent, 'key' | 'seq'>) => `${event.key}/${event.seq}`;

/** A topic for the contract tests; every bus gets a unique prefix, so the name can be shared. */
export function testTopic(partitions = 4, name = 'lm.test-events.v1'): Topic<TestEvent> {
  return defineTopic<TestEvent>({
    name,
    codec: testEventCodec,
    key: (event) => event.key,
    id: testEventId,
    partitions,
    description: 'contract test events',
  });
}

/** `count` events per key, interleaved across keys the way concurrent sessions publish. */
export function interleavedEvents(keys: readonly string[], count: number): TestEvent[] {
  const events: TestEvent[] = [];
  for (let seq = 0; seq < count; seq++) for (const key of keys) events.push({ key, seq });
  return events;
}
