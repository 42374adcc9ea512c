import type { TimedWord } from './LocalAgreement.js';

/** Speech probability for fixed-size frames of one stream (stateful: one per stream). */
export interface SpeechDetector {
  /** Samples per frame at 16 kHz (Silero v5: 512). */
  readonly frameSize: number;
  probability(frame: Float32Array): Promise<number>;
  close?(): void;
}

/** How one buffer is to be decoded. */
export interface RecognizeRequest {
  prompt?: string;
  signal?: AbortSignal;
  /** A partial decode: one greedy pass, no retries (its result is provisional anyway). */
  provisional?: boolean;
  /**
   * Worth a slower, better decode (a beam search): a final or closing decode while the model
   * serves a single stream.
   */
  thorough?: boolean;
  /**
   * A partial while the model is shared by many streams: speed matters more than accuracy, and a
   * recogniser with a smaller draft model uses it (decision 0025).
   */
  draft?: boolean;
}

/** A resident speech recogniser: decodes a buffer, returns words timed from its start. */
export interface Recognizer {
  recognize(audio: Float32Array, options: RecognizeRequest): Promise<TimedWord[]>;
}
