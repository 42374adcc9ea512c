export interface RecognizedWord {
  text: string;
  startMs: number;
  endMs: number;
  /** Mean token probability of the word, 0..1. */
  confidence: number;
}

export interface RecognizedSegment {
  text: string;
  startMs: number;
  endMs: number;
  words: RecognizedWord[];
}

export interface Recognition {
  segments: RecognizedSegment[];
}

export interface RecognizeOptions {
  /** ISO 639-1 code; 'en' unless told otherwise. */
  language?: string;
  /** Text that conditions the decoder (previous words, course vocabulary). */
  initialPrompt?: string;
  /**
   * Decode once, greedily, without whisper's temperature fallback (which re-decodes up to five
   * times when a hypothesis looks repetitive). For live partials: bounded time beats the retry.
   */
  noFallback?: boolean;
  /** Beam width for this call (the recogniser's `beamSize` otherwise). */
  beamSize?: number;
}

/** One decoded token with its timing, as the bindings report it. */
export interface TimedToken {
  text: string;
  id: number;
  p: number;
  startMs: number;
  endMs: number;
}
