/**
 * The most recent message ids a subscription handled, bounded: redeliveries after a rebalance or a
 * restart of the producer come close together, so a window catches them without growing forever.
 */
export class DedupeWindow {
  // A Set keeps insertion order: the first entry is the oldest.
  private readonly ids = new Set<string>();

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`dedupe window size must be a non-negative integer, got ${capacity}`);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity === 0) return;
    this.ids.delete(id);
    this.ids.add(id);
    while (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done) break;
      this.ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
