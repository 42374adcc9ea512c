import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../src/index.js';

describe('partitionForKey', () => {
  it("matches kafkajs's default partitioner (Kafka's Java partitioner) for keyed messages", () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 12, 64]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      }));
      for (let i = 0; i < 500; i++) {
        const key =
          i % 2 === 0
            ? randomBytes(1 + (i % 40)).toString('base64')
            : `session-${i}-ü-${'x'.repeat(i % 7)}`;
        const expected = partitioner({
          topic: 't',
          partitionMetadata,
          message: { key, value: null },
        });
        expect(partitionForKey(key, partitions), `key ${key} over ${partitions}`).toBe(expected);
      }
    }
  });

  it("reproduces Kafka's murmur2 test vectors", () => {
    // From Kafka's own UtilsTest (the Java reference implementation).
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, hash] of vectors) expect(murmur2(Buffer.from(input)), input).toBe(hash);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow(RangeError);
    expect(() => partitionForKey('k', 1.5)).toThrow(RangeError);
  });
});
