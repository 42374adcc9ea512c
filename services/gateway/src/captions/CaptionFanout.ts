import type { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { Caption } from '@lm/api';
import { toCaption } from './messages.js';
import type { ViewerConnection } from './ViewerConnection.js';

export interface CaptionFanoutOptions {
  /** Finals remembered per session for late joiners. */
  historySize: number;
  /** Sessions whose history is kept (least recently active are forgotten first). */
  maxSessions: number;
}

interface SessionChannel {
  viewers: Set<ViewerConnection>;
  history: Caption[];
  lastFinalIndex: number;
}

/**
 * Fans transcript segments from the bus out to every viewer of their session. The gateway
 * reads the transcripts topic once (one subscription per gateway, whatever the number of
 * viewers) and hands each segment to this class.
 */
export class CaptionFanout {
  private readonly sessions = new Map<string, SessionChannel>();
  delivered = 0;

  constructor(
    private readonly options: CaptionFanoutOptions = { historySize: 50, maxSessions: 1000 },
  ) {}

  /** Adds a viewer; it first receives the recent finals (from here, or `storedFinals` when none). */
  join(sessionId: string, viewer: ViewerConnection, storedFinals: Caption[] = []): () => void {
    const channel = this.channel(sessionId);
    const history =
      channel.history.length > 0 ? channel.history : storedFinals.slice(-this.options.historySize);
    viewer.sendControl({ type: 'history', finals: history });
    channel.viewers.add(viewer);
    return () => {
      channel.viewers.delete(viewer);
    };
  }

  viewerCount(sessionId: string): number {
    return this.sessions.get(sessionId)?.viewers.size ?? 0;
  }

  /** Called for every segment read from the bus. */
  publish(segment: TranscriptSegment, now = Date.now()): void {
    const caption = toCaption(segment, now);
    const channel = this.channel(segment.sessionId);
    if (caption.kind === 'final') {
      // At-least-once delivery may repeat a final: keep and send each segment's final once.
      if (
        caption.segmentIndex <= channel.lastFinalIndex &&
        channel.history.some((c) => c.segmentIndex === caption.segmentIndex)
      ) {
        return;
      }
      channel.lastFinalIndex = Math.max(channel.lastFinalIndex, caption.segmentIndex);
      // Empty finals only mark the end of an utterance or stream: live viewers get them, history does not.
      if (caption.text.trim() !== '') {
        channel.history.push(caption);
        if (channel.history.length > this.options.historySize) channel.history.shift();
      }
    }
    for (const viewer of channel.viewers) {
      if (viewer.isClosed) {
        channel.viewers.delete(viewer);
        continue;
      }
      viewer.sendCaption(caption);
      this.delivered += 1;
    }
  }

  /** Tells the session's viewers it ended. */
  end(sessionId: string): void {
    const channel = this.sessions.get(sessionId);
    if (!channel) return;
    for (const viewer of channel.viewers)
      viewer.sendControl({ type: 'session', sessionId, status: 'ended' });
  }

  private channel(sessionId: string): SessionChannel {
    let channel = this.sessions.get(sessionId);
    if (channel) {
      // Map order doubles as recency order.
      this.sessions.delete(sessionId);
      this.sessions.set(sessionId, channel);
      return channel;
    }
    channel = { viewers: new Set(), history: [], lastFinalIndex: -1 };
    this.sessions.set(sessionId, channel);
    if (this.sessions.size > this.options.maxSessions) {
      for (const [id, candidate] of this.sessions) {
        if (candidate.viewers.size === 0) {
          this.sessions.delete(id);
          break;
        }
      }
    }
    return channel;
  }
}
