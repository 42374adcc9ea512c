/** What the onset detector needs of a voice activity detector: one stream's speech probability. */
export interface SpeechProbability {
  /** Samples (16 kHz) per frame the detector takes. */
  readonly frameSize: number;
  probability(frame: Float32Array): Promise<number>;
}

export interface SpeechOnsetOptions {
  /** Probability at or above which a frame is speech. */
  speechThreshold: number;
  /** Probability below which a frame breaks a run of speech (between the two: carried on). */
  silenceThreshold: number;
  /** Speech this long without a break is an onset: shorter is a click or a cough. */
  minSpeechMs: number;
}

export const DEFAULT_SPEECH_ONSET: SpeechOnsetOptions = {
  speechThreshold: 0.5,
  silenceThreshold: 0.35,
  // Three Silero frames: long enough that a click does not cut the tutor off, short enough
  // that the barge-in stays well inside its 300 ms budget.
  minSpeechMs: 96,
};

const SAMPLE_RATE = 16_000;

/**
 * Says when a student starts to speak, from the raw audio (16 kHz s16le) rather than from the
 * transcript: the transcriber's first words of an utterance come a second or more after its
 * onset, far too late to stop the tutor within 300 ms.
 */
export class SpeechOnsetDetector {
  private readonly options: SpeechOnsetOptions;
  private remainder = new Float32Array(0);
  private speechMs = 0;

  constructor(
    private readonly vad: SpeechProbability,
    options: Partial<SpeechOnsetOptions> = {},
  ) {
    this.options = { ...DEFAULT_SPEECH_ONSET, ...options };
  }

  /** Feeds PCM s16le; true when this audio completes an onset (then the count starts over). */
  async push(pcm: Buffer): Promise<boolean> {
    const samples = new Float32Array(Math.floor(pcm.length / 2));
    for (let i = 0; i < samples.length; i += 1) samples[i] = pcm.readInt16LE(i * 2) / 32768;
    const joined = new Float32Array(this.remainder.length + samples.length);
    joined.set(this.remainder);
    joined.set(samples, this.remainder.length);
    const frame = this.vad.frameSize;
    const frameMs = (frame * 1000) / SAMPLE_RATE;
    let offset = 0;
    let onset = false;
    for (; offset + frame <= joined.length; offset += frame) {
      const p = await this.vad.probability(joined.subarray(offset, offset + frame));
      if (p >= this.options.speechThreshold) this.speechMs += frameMs;
      else if (p < this.options.silenceThreshold) this.speechMs = 0;
      if (this.speechMs >= this.options.minSpeechMs) {
        onset = true;
        this.speechMs = 0;
      }
    }
    this.remainder = joined.slice(offset);
    return onset;
  }
}
