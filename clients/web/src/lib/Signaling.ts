import { api } from './Api.js';

interface Pending {
  resolve(data: unknown): void;
  reject(error: Error): void;
}

type Notification = { notification: string; [key: string]: unknown };

/**
 * The media signaling socket `/ws/rtc/:sessionId?role=…`: requests `{id, method, ...}` answered
 * by `{id, method, ok, data|error}`, plus `{notification, ...}` frames pushed by the room.
 */
export class Signaling {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  onNotification: (n: Notification) => void = () => undefined;
  onClose: (reason: string) => void = () => undefined;

  constructor(
    private readonly sessionId: string,
    private readonly role: 'publisher' | 'viewer',
  ) {}

  async open(): Promise<void> {
    const url = await api.wsUrl(`/ws/rtc/${encodeURIComponent(this.sessionId)}`, {
      role: this.role,
    });
    const socket = new WebSocket(url);
    this.socket = socket;
    let serverError: string | undefined;
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('The media server cannot be reached.'));
    });
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        ok?: boolean;
        data?: unknown;
        error?: { message: string };
        notification?: string;
        type?: string;
        message?: string;
      };
      if (message.type === 'error') {
        serverError = message.message;
        return;
      }
      if (message.notification) {
        this.onNotification(message as Notification);
        return;
      }
      const waiter = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (!waiter) return;
      this.pending.delete(message.id as number);
      if (message.ok) waiter.resolve(message.data);
      else waiter.reject(new Error(message.error?.message ?? 'The media server refused.'));
    };
    socket.onclose = () => {
      const reason = serverError ?? 'The media connection closed.';
      for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
      this.pending.clear();
      this.onClose(reason);
    };
  }

  request<T>(method: string, payload: Record<string, unknown> = {}): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new Error('The media connection is not open.'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, ...payload }));
    });
  }

  close(): void {
    this.socket?.close(1000);
  }
}
