import type { SileroVad, VadStreamState, WhisperRecognizer } from '@lm/models';
import { VAD_FRAME_SAMPLES } from '@lm/models';
import type { TimedWord } from './LocalAgreement.js';
import type { Recognizer, SpeechDetector } from './ports.js';

/** One stream's view of the shared Silero model. */
export class SileroDetector implements SpeechDetector {
  readonly frameSize = VAD_FRAME_SAMPLES;
  private readonly state: VadStreamState;

  constructor(private readonly vad: SileroVad) {
    this.state = vad.createStream();
  }

  probability(frame: Float32Array): Promise<number> {
    return this.vad.process(this.state, frame);
  }
}

/** The resident whisper.cpp model as the transcriber's recogniser (words timed from the buffer start). */
export class WhisperWordRecognizer implements Recognizer {
  constructor(
    private readonly whisper: WhisperRecognizer,
    private readonly language = 'en',
  ) {}

  async recognize(
    audio: Float32Array,
    options: { prompt?: string; provisional?: boolean },
  ): Promise<TimedWord[]> {
    const result = await this.whisper.recognize(audio, {
      language: this.language,
      ...(options.prompt ? { initialPrompt: options.prompt } : {}),
      ...(options.provisional ? { noFallback: true } : {}),
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
