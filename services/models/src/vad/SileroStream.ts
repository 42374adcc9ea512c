import { VAD_FRAME_SAMPLES, type SileroVad, type VadStreamState } from './SileroVad.js';

/**
 * One audio stream's speech probability from a shared, loaded Silero VAD: the model is loaded once
 * per process, each stream keeps its own recurrent state. It fits the transcriber's
 * SpeechDetector and the tutor's SpeechProbability.
 */
export class SileroStream {
  readonly frameSize = VAD_FRAME_SAMPLES;
  private readonly state: VadStreamState;

  constructor(private readonly vad: SileroVad) {
    this.state = vad.createStream();
  }

  probability(frame: Float32Array): Promise<number> {
    return this.vad.process(this.state, frame);
  }
}
