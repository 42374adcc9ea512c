import { api } from './Api.js';
import { PcmCapture } from './PcmCapture.js';
import { ReplyPlayer } from './ReplyPlayer.js';
import type { ReplyChunk, TutorServerMessage } from '@lm/api';

export type VoiceMode = 'push-to-talk' | 'open-mic';
export type VoiceState = 'idle' | 'connecting' | 'listening' | 'ended' | 'failed';

/** RMS level above which an open microphone counts as speech for a local barge-in. */
const BARGE_IN_LEVEL = 0.05;
/** Consecutive 100 ms frames of speech that stop the tutor's voice on this side at once. */
const BARGE_IN_FRAMES = 3;

/**
 * A voice conversation with the tutor (docs/api.md, "Voice tutoring"): opens a tutoring session,
 * sends the microphone through the WebSocket ingest as 16 kHz PCM, and plays the spoken reply
 * that arrives on /ws/tutor/:sessionId. Reply chunks go to `onReply` as they do for text chat.
 *
 * Barge-in: the server cancels a reply when it hears the student; this side also silences the
 * reply at once when push-to-talk is pressed or an open microphone hears sustained speech.
 */
export class VoiceSession {
  state = $state<VoiceState>('idle');
  mode = $state<VoiceMode>('push-to-talk');
  /** Push-to-talk is held. */
  talking = $state(false);
  /** The tutor's voice is playing. */
  speaking = $state(false);
  level = $state(0);
  playedMs = $state(0);
  error = $state<string | undefined>(undefined);
  sessionId = $state<string | undefined>(undefined);
  conversationId = $state<string | undefined>(undefined);

  onReply: (chunk: ReplyChunk) => void = () => undefined;

  private stream: MediaStream | undefined;
  private capture: PcmCapture | undefined;
  private ingest: WebSocket | undefined;
  private replies: WebSocket | undefined;
  private readonly player = new ReplyPlayer();
  private loudFrames = 0;
  private closing = false;
  /** The reply being spoken (its turn id), and replies silenced here: their rest is dropped. */
  private speakingTurn: string | undefined;
  private speakingTurnEnded = true;
  private readonly silencedTurns = new Set<string>();
  /** The tutoring room was opened and not yet ended. */
  private roomOpen = false;

  constructor(private readonly courseId: string) {
    this.player.onChange = () => {
      this.speaking = this.player.isPlaying;
      this.playedMs = this.player.playedMs;
    };
  }

  /** Starts the session (call it from a click: the browser then allows sound). */
  async start(conversationId?: string): Promise<void> {
    if (this.state === 'connecting' || this.state === 'listening') return;
    this.state = 'connecting';
    this.error = undefined;
    this.closing = false;
    this.player.prepare();
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new Error(
          'This browser cannot use a microphone here (a secure https:// page is needed).',
        );
      this.stream = await navigator.mediaDevices
        .getUserMedia({
          // Echo cancelling keeps the tutor's own voice from the speakers out of the microphone;
          // noise suppression and gain riding stay off (they fill pauses with noise).
          audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false },
        })
        .catch(() => {
          throw new Error(
            'The microphone is not available. Allow it in the browser and try again.',
          );
        });
      const opened = await api.openVoiceSession(this.courseId, conversationId);
      this.roomOpen = true;
      this.sessionId = opened.sessionId;
      this.conversationId = opened.conversationId;
      this.replies = await this.openReplies(opened.sessionId);
      this.ingest = await this.openIngest(opened.sessionId);
      this.capture = await PcmCapture.start(this.stream, (pcm, level) => this.onFrame(pcm, level));
      this.capture.open = this.mode === 'open-mic';
      this.state = 'listening';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      await this.stop();
      this.state = 'failed';
    }
  }

  setMode(mode: VoiceMode): void {
    this.mode = mode;
    this.talking = false;
    if (this.capture) this.capture.open = mode === 'open-mic';
  }

  /** Push-to-talk pressed: the tutor stops talking, the microphone opens. */
  pressTalk(): void {
    if (this.mode !== 'push-to-talk' || this.state !== 'listening') return;
    this.bargeIn();
    this.talking = true;
    if (this.capture) this.capture.open = true;
  }

  releaseTalk(): void {
    if (!this.talking) return;
    this.talking = false;
    if (this.capture) this.capture.open = false;
  }

  /** Silences the tutor's voice now, and the rest of that reply when it keeps arriving. */
  bargeIn(): void {
    if (this.speakingTurn && (this.player.isPlaying || !this.speakingTurnEnded))
      this.silencedTurns.add(this.speakingTurn);
    this.player.stop();
  }

  /** Ends the session: the microphone, both sockets and the tutoring room. */
  async stop(): Promise<void> {
    this.closing = true;
    this.talking = false;
    await this.capture?.close();
    this.capture = undefined;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = undefined;
    if (this.ingest?.readyState === WebSocket.OPEN)
      this.ingest.send(JSON.stringify({ type: 'end' }));
    this.ingest?.close();
    this.ingest = undefined;
    this.replies?.close();
    this.replies = undefined;
    this.player.stop();
    this.playedMs = this.player.playedMs;
    const sessionId = this.sessionId;
    if (sessionId && this.roomOpen) {
      this.roomOpen = false;
      await api
        .request('POST', `/api/sessions/${encodeURIComponent(sessionId)}/end`)
        .catch(() => undefined);
    }
    if (this.state !== 'failed') this.state = sessionId ? 'ended' : 'idle';
  }

  async close(): Promise<void> {
    await this.stop();
    await this.player.close();
  }

  private onFrame(pcm: ArrayBuffer, level: number): void {
    // The meter shows the microphone even while push-to-talk is up (so one can check it works).
    this.level = Math.min(1, Math.sqrt(level) * 1.6);
    if (this.ingest?.readyState === WebSocket.OPEN) this.ingest.send(pcm);
    const live = this.mode === 'open-mic' || this.talking;
    this.loudFrames = live && level > BARGE_IN_LEVEL ? this.loudFrames + 1 : 0;
    if (this.loudFrames >= BARGE_IN_FRAMES && this.player.isPlaying) this.bargeIn();
  }

  private async openReplies(sessionId: string): Promise<WebSocket> {
    const socket = new WebSocket(await api.wsUrl(`/ws/tutor/${encodeURIComponent(sessionId)}`));
    await new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as TutorServerMessage;
        if (message.type === 'ready') resolve();
        else if (message.type === 'error') reject(new Error(message.message));
        else this.onServerMessage(message);
      };
      socket.onclose = () => reject(new Error('The tutor could not be reached.'));
    });
    socket.onmessage = (event) =>
      this.onServerMessage(JSON.parse(String(event.data)) as TutorServerMessage);
    socket.onclose = () => this.lost('The connection to the tutor was lost.');
    return socket;
  }

  private async openIngest(sessionId: string): Promise<WebSocket> {
    const url = await api.wsUrl(`/ws/ingest/${encodeURIComponent(sessionId)}`, { format: 'pcm16' });
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('The microphone stream could not be opened.'));
    });
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { type: string; message?: string };
      if (message.type === 'error') this.lost(message.message ?? 'The microphone stream failed.');
    };
    socket.onclose = () => this.lost('The microphone stream was closed.');
    return socket;
  }

  private onServerMessage(message: TutorServerMessage): void {
    switch (message.type) {
      case 'reply':
        if (message.chunk.cancelled) this.player.stop();
        this.onReply(message.chunk);
        break;
      case 'audio':
        this.speakingTurn = message.utteranceId;
        this.speakingTurnEnded = message.endOfUtterance;
        if (message.pcm && !this.silencedTurns.has(message.utteranceId))
          this.player.push(message.pcm, message.sampleRate);
        break;
      case 'error':
        this.lost(message.message);
        break;
      case 'ready':
        break;
    }
  }

  private lost(reason: string): void {
    if (this.closing || this.state !== 'listening') return;
    this.error = reason;
    void this.stop().then(() => (this.state = 'failed'));
  }
}
