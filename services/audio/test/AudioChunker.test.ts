import { describe, expect, it } from 'vitest';
import { AudioChunker } from '../src/AudioChunker.js';

/** PCM whose byte i is i mod 251, so any reordering or loss shows up in a comparison. */
function ramp(bytes: number, from = 0): Buffer {
  return Buffer.from(Array.from({ length: bytes }, (_, i) => (from + i) % 251));
}

describe('AudioChunker', () => {
  const base = { sessionId: 's1', streamId: 'p1' };

  it('cuts 100 ms chunks of 3200 bytes with sequence and stream time', () => {
    const chunker = new AudioChunker({ ...base, chunkMs: 100, now: () => 0 });
    const chunks = chunker.push(ramp(3200 * 3 + 100), 1000);
    expect(chunks.map((c) => [c.sequence, c.startMs, c.pcm.length])).toEqual([
      [0, 0, 3200],
      [1, 100, 3200],
      [2, 200, 3200],
    ]);
    expect(
      chunks.every((c) => c.sessionId === 's1' && c.streamId === 'p1' && c.sampleRate === 16000),
    ).toBe(true);
    expect(chunks.every((c) => !c.endOfStream)).toBe(true);
  });

  it('keeps bytes across arbitrary piece boundaries, in order, without loss', () => {
    const chunker = new AudioChunker({ ...base, chunkMs: 20 }); // 640 bytes
    const input = ramp(640 * 7 + 333);
    const out: Buffer[] = [];
    const sizes = [1, 639, 2, 1000, 17, 2000];
    let offset = 0;
    for (const size of sizes) {
      out.push(...chunker.push(input.subarray(offset, offset + size)).map((c) => c.pcm));
      offset += size;
    }
    out.push(...chunker.push(input.subarray(offset)).map((c) => c.pcm));
    const tail = chunker.end('client');
    out.push(...tail.filter((c) => !c.endOfStream).map((c) => c.pcm));
    expect(Buffer.concat(out).subarray(0, 640 * 7 + 332)).toEqual(input.subarray(0, 640 * 7 + 332));
    expect(out.slice(0, 7).every((b) => b.length === 640)).toBe(true);
  });

  it('stamps a chunk with the arrival time of its first byte', () => {
    const chunker = new AudioChunker({ ...base, chunkMs: 100 });
    expect(chunker.push(ramp(1000), 5000)).toEqual([]);
    const [first, second] = chunker.push(ramp(6000), 5100);
    expect(first?.capturedAtMs).toBe(5000); // began with the bytes that arrived at 5000
    expect(second?.capturedAtMs).toBe(5100);
    const [third] = chunker.push(ramp(3200), 5200);
    expect(third?.capturedAtMs).toBe(5100); // its first bytes were left over from 5100
  });

  it('ends with the remaining whole samples and an end-of-stream marker', () => {
    const chunker = new AudioChunker({ ...base, chunkMs: 100, now: () => 42 });
    chunker.push(ramp(3200 + 1001), 1);
    const tail = chunker.end('client');
    expect(tail).toHaveLength(2);
    expect(tail[0]).toMatchObject({ sequence: 1, startMs: 100, endOfStream: false });
    expect(tail[0]?.pcm.length).toBe(1000); // the odd byte is not a sample
    expect(tail[1]).toMatchObject({
      sequence: 2,
      startMs: 131, // 100 ms + 500 samples
      endOfStream: true,
      endReason: 'client',
      capturedAtMs: 42,
    });
    expect(tail[1]?.pcm.length).toBe(0);
    expect(chunker.end('again')).toEqual([]);
    expect(() => chunker.push(ramp(10))).toThrow(/already ended/);
  });

  it('ends an empty stream with only the marker', () => {
    const chunker = new AudioChunker(base);
    const tail = chunker.end('error: ffmpeg exited');
    expect(tail).toHaveLength(1);
    expect(tail[0]).toMatchObject({
      sequence: 0,
      startMs: 0,
      endOfStream: true,
      endReason: 'error: ffmpeg exited',
    });
  });

  it('rejects a chunk length that is not a whole number of samples', () => {
    expect(() => new AudioChunker({ ...base, chunkMs: 0.01 })).toThrow(RangeError);
  });
});
