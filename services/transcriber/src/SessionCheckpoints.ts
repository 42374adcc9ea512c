/**
 * What a transcriber must remember about a stream to resume it after a restart without losing
 * or repeating finals: the session's next segment number, and how far the stream's finals reach.
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
}

export interface CheckpointStore {
  load(sessionId: string, streamId: string): Promise<StreamCheckpoint | undefined>;
  /** The highest segment index used by any stream of the session, plus one (0 for a new session). */
  nextSegmentIndex(sessionId: string): Promise<number>;
  save(checkpoint: StreamCheckpoint): Promise<void>;
}

/** Checkpoints in process memory: the embedded mode and unit tests (a restart forgets them). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly streams = new Map<string, StreamCheckpoint>();

  load(sessionId: string, streamId: string): Promise<StreamCheckpoint | undefined> {
    return Promise.resolve(this.streams.get(`${sessionId}/${streamId}`));
  }

  nextSegmentIndex(sessionId: string): Promise<number> {
    let next = 0;
    for (const c of this.streams.values())
      if (c.sessionId === sessionId) next = Math.max(next, c.nextSegmentIndex);
    return Promise.resolve(next);
  }

  save(checkpoint: StreamCheckpoint): Promise<void> {
    this.streams.set(`${checkpoint.sessionId}/${checkpoint.streamId}`, { ...checkpoint });
    return Promise.resolve();
  }
}
