import { api } from './Api.js';
import type { Caption, CaptionServerMessage } from '@lm/api';

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** Close codes after which reconnecting cannot help (4000 + HTTP status, docs/api.md). */
const FINAL_CLOSE_CODES = new Set([4400, 4403, 4404]);

/**
 * A session's caption feed (`/ws/captions/:id`): settled finals in segment order plus the newest
 * provisional partial. Reconnects by itself with capped exponential backoff; the history frame
 * sent on every (re)connect fills in whatever was missed.
 */
export class CaptionFeed {
  finals = $state<Caption[]>([]);
  partial = $state<Caption | undefined>(undefined);
  state = $state<FeedState>('connecting');
  error = $state<string | undefined>(undefined);
  /** Seconds until the next reconnect attempt, while reconnecting. */
  retryInSeconds = $state(0);

  private socket: WebSocket | undefined;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly byIndex = new Map<number, Caption>();

  constructor(readonly sessionId: string) {}

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.state = this.attempts === 0 ? 'connecting' : 'reconnecting';
    let url: string;
    try {
      url = await api.wsUrl(`/ws/captions/${encodeURIComponent(this.sessionId)}`);
    } catch (error) {
      this.scheduleRetry(error instanceof Error ? error.message : String(error));
      return;
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    let serverError: string | undefined;
    socket.onopen = () => {
      this.attempts = 0;
      this.error = undefined;
      if (this.state !== 'ended') this.state = 'live';
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as CaptionServerMessage;
      if (message.type === 'error') serverError = message.message;
      else this.apply(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket || this.closed) return;
      if (this.state === 'ended') return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.state = 'failed';
        this.error = serverError ?? 'This caption feed is not available to you.';
        return;
      }
      this.scheduleRetry(serverError ?? 'The connection to the caption feed was lost.');
    };
  }

  private scheduleRetry(reason: string): void {
    if (this.closed) return;
    this.attempts += 1;
    this.state = 'reconnecting';
    this.error = reason;
    // 0.5 s, 1 s, 2 s ... capped at 15 s, with jitter so many viewers do not return at once.
    const delay = Math.min(15_000, 500 * 2 ** (this.attempts - 1)) * (0.75 + Math.random() * 0.5);
    this.retryInSeconds = Math.ceil(delay / 1000);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private apply(message: Exclude<CaptionServerMessage, { type: 'error' }>): void {
    switch (message.type) {
      case 'history':
        for (const caption of message.finals) this.settle(caption);
        this.publishFinals();
        break;
      case 'caption': {
        const caption = message.caption;
        if (caption.kind === 'final') {
          if (this.partial && this.partial.segmentIndex <= caption.segmentIndex)
            this.partial = undefined;
          if (caption.text.trim()) {
            this.settle(caption);
            this.publishFinals();
          }
        } else if (!this.byIndex.has(caption.segmentIndex) && caption.text.trim()) {
          this.partial = caption;
        }
        break;
      }
      case 'session':
        if (message.status === 'ended') {
          this.state = 'ended';
          this.partial = undefined;
        }
        break;
    }
  }

  private settle(caption: Caption): void {
    if (caption.text.trim()) this.byIndex.set(caption.segmentIndex, caption);
  }

  private publishFinals(): void {
    this.finals = [...this.byIndex.values()].sort((a, b) => a.segmentIndex - b.segmentIndex);
  }
}
