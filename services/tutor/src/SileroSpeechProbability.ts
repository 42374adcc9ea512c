import { VAD_FRAME_SAMPLES, type SileroVad, type VadStreamState } from '@lm/models';
import type { SpeechProbability } from './SpeechOnsetDetector.js';

/** One audio stream's speech probability from a shared, loaded Silero VAD. */
export class SileroSpeechProbability implements SpeechProbability {
  readonly frameSize = VAD_FRAME_SAMPLES;
  private readonly stream: VadStreamState;

  constructor(private readonly vad: SileroVad) {
    this.stream = vad.createStream();
  }

  probability(frame: Float32Array): Promise<number> {
    return this.vad.process(this.stream, frame);
  }
}
