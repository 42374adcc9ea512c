import type { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';

/**
 * What a transcriber must remember about a stream to resume it after a restart without losing
 * or repeating finals: the session's next segment number, how far the stream's finals reach, and
 * the finals it decided last, written before they are published (a write-ahead): a restarted
 * transcriber publishes those again with the same ids (consumers deduplicate by id) instead of
 * deciding them anew from re-read audio, possibly with other words.
 */
export interface StreamCheckpoint {
  sessionId: string;
  streamId: string;
  /** Next segment index of the session (segment numbers are per session). */
  nextSegmentIndex: number;
  /** Words ending before this stream time were emitted as finals. */
  finalisedUntilMs: number;
  /** The stream ended and was fully finalised. */
  ended: boolean;
  /** The finals (and end marker) saved just before publishing them; maybe never published. */
  pendingFinals: TranscriptSegment[];
}

export interface CheckpointStore {
  load(sessionId: string, streamId: string): Promise<StreamCheckpoint | undefined>;
  /** The highest segment index used by any stream of the session, plus one (0 for a new session). */
  nextSegmentIndex(sessionId: string): Promise<number>;
  /** Never moves a stream backwards: a save older than the stored one changes nothing. */
  save(checkpoint: StreamCheckpoint): Promise<void>;
}

/** Checkpoints in process memory: the embedded mode and unit tests (a restart forgets them). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly streams = new Map<string, StreamCheckpoint>();

  load(sessionId: string, streamId: string): Promise<StreamCheckpoint | undefined> {
    const stored = this.streams.get(`${sessionId}/${streamId}`);
    return Promise.resolve(stored && { ...stored, pendingFinals: [...stored.pendingFinals] });
  }

  nextSegmentIndex(sessionId: string): Promise<number> {
    let next = 0;
    for (const c of this.streams.values())
      if (c.sessionId === sessionId) next = Math.max(next, c.nextSegmentIndex);
    return Promise.resolve(next);
  }

  save(checkpoint: StreamCheckpoint): Promise<void> {
    const key = `${checkpoint.sessionId}/${checkpoint.streamId}`;
    const stored = this.streams.get(key);
    const newer = !stored || checkpoint.nextSegmentIndex >= stored.nextSegmentIndex;
    this.streams.set(key, {
      ...checkpoint,
      nextSegmentIndex: Math.max(checkpoint.nextSegmentIndex, stored?.nextSegmentIndex ?? 0),
      finalisedUntilMs: Math.max(checkpoint.finalisedUntilMs, stored?.finalisedUntilMs ?? 0),
      ended: checkpoint.ended || (stored?.ended ?? false),
      pendingFinals: newer ? [...checkpoint.pendingFinals] : (stored?.pendingFinals ?? []),
    });
    return Promise.resolve();
  }
}
