/** Seconds of audio buffered before a reply starts to play. */
const JITTER_S = 0.25;

/**
 * Plays the tutor's spoken reply: 16-bit PCM chunks (base64, as /ws/tutor sends them) scheduled
 * back to back on one AudioContext, so there are no gaps between chunks. `stop()` silences it at
 * once (barge-in). Keeps count of how much audio was actually heard.
 */
export class ReplyPlayer {
  private context: AudioContext | undefined;
  private nextStartAt = 0;
  private readonly playing = new Map<AudioBufferSourceNode, { startAt: number; seconds: number }>();
  private heardSeconds = 0;
  /** Called when playback starts or stops, and as each chunk finishes playing. */
  onChange: () => void = () => undefined;

  /** Creates the audio context; call it from a click so the browser lets it make sound. */
  prepare(): void {
    this.context ??= new AudioContext();
    void this.context.resume();
  }

  get isPlaying(): boolean {
    return this.playing.size > 0;
  }

  /** Milliseconds of reply audio played so far (what was cut off by a stop counts up to the cut). */
  get playedMs(): number {
    return Math.round(this.heardSeconds * 1000);
  }

  push(base64Pcm: string, sampleRate: number): void {
    const samples = decodePcm16(base64Pcm);
    if (samples.length === 0) return;
    this.prepare();
    const context = this.context;
    if (!context) return;
    const buffer = context.createBuffer(1, samples.length, sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    // Chunks come paced to real time: a lead of JITTER_S on the first one lets each next chunk
    // arrive before the one before it has finished, so late network frames make no gaps.
    const lead = this.isPlaying ? 0.02 : JITTER_S;
    const startAt = Math.max(this.nextStartAt, context.currentTime + lead);
    this.nextStartAt = startAt + buffer.duration;
    const wasPlaying = this.isPlaying;
    this.playing.set(source, { startAt, seconds: buffer.duration });
    source.onended = () => {
      const entry = this.playing.get(source);
      if (!entry) return;
      this.playing.delete(source);
      this.heardSeconds += entry.seconds;
      this.onChange();
    };
    source.start(startAt);
    if (!wasPlaying) this.onChange();
  }

  /** Silences the reply now (the student spoke, or the reply was cancelled). */
  stop(): void {
    const context = this.context;
    if (!context || !this.isPlaying) return;
    const now = context.currentTime;
    for (const [source, entry] of this.playing) {
      this.heardSeconds += Math.max(0, Math.min(entry.seconds, now - entry.startAt));
      source.onended = null;
      source.stop();
    }
    this.playing.clear();
    this.nextStartAt = 0;
    this.onChange();
  }

  async close(): Promise<void> {
    this.stop();
    await this.context?.close().catch(() => undefined);
    this.context = undefined;
  }
}

function decodePcm16(base64: string): Float32Array<ArrayBuffer> {
  const binary = atob(base64);
  const count = Math.floor(binary.length / 2);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let value = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
    if (value >= 0x8000) value -= 0x10000;
    out[i] = value / 0x8000;
  }
  return out;
}
