import type { WhisperRecognizer } from '@lm/models';
import type { TimedWord } from './LocalAgreement.js';
import type { RecognizeRequest, Recognizer } from './ports.js';

/** Beam width of a thorough decode: about 1.6× the time of a greedy one, a few points of WER better. */
const THOROUGH_BEAM = 5;

/** The resident whisper.cpp model as the transcriber's recogniser (words timed from the buffer start). */
export class WhisperWordRecognizer implements Recognizer {
  constructor(
    private readonly whisper: WhisperRecognizer,
    private readonly language = 'en',
  ) {}

  async recognize(audio: Float32Array, options: RecognizeRequest): Promise<TimedWord[]> {
    const result = await this.whisper.recognize(audio, {
      language: this.language,
      ...(options.prompt ? { initialPrompt: options.prompt } : {}),
      ...(options.provisional ? { noFallback: true } : {}),
      ...(options.thorough ? { beamSize: THOROUGH_BEAM } : {}),
    });
    return result.segments.flatMap((segment) =>
      segment.words.map((w) => ({
        text: w.text,
        startMs: w.startMs,
        endMs: w.endMs,
        confidence: w.confidence,
      })),
    );
  }
}
