/** The microphone's input level (0..1, RMS with a fast attack and slow release) from WebAudio. */
export class LevelMeter {
  private readonly context = new AudioContext();
  private readonly analyser: AnalyserNode;
  private readonly samples: Float32Array<ArrayBuffer>;
  private readonly timer: ReturnType<typeof setInterval>;
  private level = 0;

  constructor(stream: MediaStream, onLevel: (level: number) => void) {
    const source = this.context.createMediaStreamSource(stream);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.samples = new Float32Array(this.analyser.fftSize);
    source.connect(this.analyser);
    void this.context.resume();
    // A timer rather than animation frames: the meter keeps moving in a background tab.
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(this.samples);
      let sum = 0;
      for (const s of this.samples) sum += s * s;
      const rms = Math.sqrt(sum / this.samples.length);
      // Speech RMS is small; a square-root scale makes quiet speech visible.
      const scaled = Math.min(1, Math.sqrt(rms) * 1.6);
      this.level = scaled > this.level ? scaled : this.level * 0.85 + scaled * 0.15;
      onLevel(this.level);
    }, 60);
  }

  close(): void {
    clearInterval(this.timer);
    void this.context.close();
  }
}
