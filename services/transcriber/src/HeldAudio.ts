/**
 * Where one stream's audio chunks are on the bus (partition and offsets), so that the consumer
 * group's committed offset can be held back to the oldest chunk the stream still needs: after a
 * crash, the next transcriber re-reads from there and rebuilds the unfinished utterance.
 */
export class HeldAudio {
  // Chunks in offset order; `head` is the oldest still held (the front is compacted lazily).
  private chunks: { offset: bigint; endMs: number }[] = [];
  private head = 0;

  constructor(
    /** One session's audio is on one partition (the key is the session). */
    readonly partition: number,
  ) {}

  /** A chunk this stream received; `endMs` is where its audio ends (Infinity: the end marker). */
  add(offset: string, endMs: number): void {
    this.chunks.push({ offset: BigInt(offset), endMs });
  }

  /**
   * The offset of the oldest chunk whose audio ends after stream time `ms` (undefined when none);
   * chunks that end at or before it are not needed any more and are forgotten.
   */
  neededFrom(ms: number): bigint | undefined {
    while (this.head < this.chunks.length && this.chunks[this.head]!.endMs <= ms) this.head++;
    if (this.head > 256 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return this.chunks[this.head]?.offset;
  }
}
