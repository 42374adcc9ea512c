import type { Caption, CaptionServerMessage } from '@lm/api';

/** The part of a WebSocket a viewer connection needs (the `ws` library's WebSocket fits). */
export interface ViewerSocket {
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

export interface ViewerLimits {
  /** Bytes queued in the socket above which partials are held back (only the newest is kept). */
  partialBackpressureBytes: number;
  /** Finals queued (not yet handed to the socket) above which the viewer is disconnected. */
  maxQueuedFinals: number;
}

export const DEFAULT_VIEWER_LIMITS: ViewerLimits = {
  partialBackpressureBytes: 64 * 1024,
  maxQueuedFinals: 200,
};

/** Close code sent to a viewer too slow to keep up; it may reconnect and get the history. */
export const CLOSE_SLOW_VIEWER = 4008;

/**
 * One viewer's outgoing queue. A slow viewer never slows the others: while its socket is
 * backed up, partials collapse to the newest one, finals queue up to a bound, and past that
 * bound the viewer is cut off with a clear close code.
 */
export class ViewerConnection {
  private readonly finals: string[] = [];
  private pendingPartial: string | undefined;
  private closed = false;
  private flushTimer: NodeJS.Timeout | undefined;
  droppedPartials = 0;

  constructor(
    readonly id: string,
    private readonly socket: ViewerSocket,
    private readonly limits: ViewerLimits = DEFAULT_VIEWER_LIMITS,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  sendControl(message: CaptionServerMessage): void {
    if (this.closed) return;
    this.finals.push(JSON.stringify(message));
    this.flush();
  }

  sendCaption(caption: Caption): void {
    if (this.closed) return;
    const frame = JSON.stringify({ type: 'caption', caption } satisfies CaptionServerMessage);
    if (caption.kind === 'final') {
      // A final supersedes any partial of earlier text.
      if (this.pendingPartial !== undefined) this.droppedPartials += 1;
      this.pendingPartial = undefined;
      this.finals.push(frame);
      if (this.finals.length > this.limits.maxQueuedFinals) {
        this.close(CLOSE_SLOW_VIEWER, 'viewer too slow: caption queue full');
        return;
      }
    } else {
      if (this.pendingPartial !== undefined) this.droppedPartials += 1;
      this.pendingPartial = frame;
    }
    this.flush();
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    this.finals.length = 0;
    this.pendingPartial = undefined;
    this.socket.close(code, reason);
  }

  private flush(): void {
    if (this.closed) return;
    while (
      this.finals.length > 0 &&
      this.socket.bufferedAmount < this.limits.partialBackpressureBytes
    ) {
      this.socket.send(this.finals.shift() as string);
    }
    if (
      this.finals.length === 0 &&
      this.pendingPartial !== undefined &&
      this.socket.bufferedAmount < this.limits.partialBackpressureBytes
    ) {
      this.socket.send(this.pendingPartial);
      this.pendingPartial = undefined;
    }
    if ((this.finals.length > 0 || this.pendingPartial !== undefined) && !this.flushTimer) {
      // The socket is backed up: try again shortly rather than on every caption.
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, 50);
    }
  }
}
