/** Sample rate the gateway's `pcm16` ingest expects. */
export const INGEST_SAMPLE_RATE = 16_000;

// The worklet runs on the audio thread. It averages the input down to 16 kHz (a box filter:
// enough for speech recognition, no aliasing worth the name at speech frequencies), converts to
// 16-bit, and posts 100 ms frames with their RMS level. While the gate is shut it posts silence
// instead of nothing, so the server's stream time keeps pace with the wall clock and the
// recogniser sees the pause that ends an utterance. It is a string turned into a Blob URL, so
// the build needs no separate worklet entry point.
const WORKLET_SOURCE = `
class LmPcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / ${INGEST_SAMPLE_RATE};
    this.frame = new Int16Array(${INGEST_SAMPLE_RATE / 10});
    this.filled = 0;
    this.sum = 0;
    this.count = 0;
    this.phase = 0;
    this.energy = 0;
    this.open = true;
    this.port.onmessage = (event) => { this.open = event.data.open; };
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.sum += channel[i];
      this.count += 1;
      this.phase += 1;
      if (this.phase < this.ratio) continue;
      this.phase -= this.ratio;
      const value = this.open ? Math.max(-1, Math.min(1, this.sum / this.count)) : 0;
      this.sum = 0;
      this.count = 0;
      this.energy += value * value;
      this.frame[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
      if (this.filled === this.frame.length) {
        const level = Math.sqrt(this.energy / this.frame.length);
        const pcm = this.frame.buffer.slice(0);
        this.port.postMessage({ pcm, level }, [pcm]);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}
registerProcessor('lm-pcm-capture', LmPcmCapture);
`;

/**
 * The microphone as 16 kHz mono PCM16 frames of 100 ms for the WebSocket ingest, with a gate for
 * push-to-talk (shut = silence is sent) and the RMS level of each frame (0..1, before the gate).
 */
export class PcmCapture {
  private gateOpen = true;

  private constructor(
    private readonly context: AudioContext,
    private readonly node: AudioWorkletNode,
    private readonly source: MediaStreamAudioSourceNode,
  ) {}

  static async start(
    stream: MediaStream,
    onFrame: (pcm: ArrayBuffer, level: number) => void,
  ): Promise<PcmCapture> {
    const context = new AudioContext();
    const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: 'text/javascript' }));
    try {
      await context.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'lm-pcm-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    node.port.onmessage = (event: MessageEvent<{ pcm: ArrayBuffer; level: number }>) =>
      onFrame(event.data.pcm, event.data.level);
    // A node that reaches no destination is not processed: route it to a silent one.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(context.destination);
    await context.resume();
    return new PcmCapture(context, node, source);
  }

  get open(): boolean {
    return this.gateOpen;
  }

  /** Open: the microphone goes through. Shut: silence goes out in its place. */
  set open(value: boolean) {
    this.gateOpen = value;
    this.node.port.postMessage({ open: value });
  }

  async close(): Promise<void> {
    this.node.port.onmessage = null;
    this.source.disconnect();
    this.node.disconnect();
    await this.context.close().catch(() => undefined);
  }
}
