import { WhisperRecognizer } from '@lm/models';
import type { LiveModels } from './config.js';
import type { TimedWord } from './LocalAgreement.js';
import type { RecognizeRequest, Recognizer } from './ports.js';

/** Beam width of a thorough decode: about 1.6× the time of a greedy one, a few points of WER better. */
const THOROUGH_BEAM = 5;

/**
 * The resident whisper.cpp model as the transcriber's recogniser (words timed from the buffer
 * start), with an optional smaller draft model for the partials that ask for a draft.
 */
export class WhisperWordRecognizer implements Recognizer {
  constructor(
    private readonly whisper: WhisperRecognizer,
    private readonly options: { language?: string; draft?: WhisperRecognizer | undefined } = {},
  ) {}

  async recognize(audio: Float32Array, options: RecognizeRequest): Promise<TimedWord[]> {
    const model = options.draft && this.options.draft ? this.options.draft : this.whisper;
    const result = await model.recognize(audio, {
      language: this.options.language ?? 'en',
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

/**
 * Loads and warms the live recogniser: the main model and, when drafts are on, the draft model
 * (both resident; only one decodes at a time, since the scheduler runs one decode at once).
 */
export async function loadLiveRecognizer(
  models: LiveModels,
  options: { threads?: number } = {},
): Promise<{ recognizer: WhisperWordRecognizer; close: () => Promise<void> }> {
  const whisper = await WhisperRecognizer.load(models.model, options);
  let draft: WhisperRecognizer | undefined;
  try {
    await whisper.warmUp();
    if (models.draftModel) {
      draft = await WhisperRecognizer.load(models.draftModel, options);
      await draft.warmUp();
    }
  } catch (err) {
    await Promise.all([whisper.close(), draft?.close()]);
    throw err;
  }
  return {
    recognizer: new WhisperWordRecognizer(whisper, { draft }),
    close: async () => {
      await Promise.all([whisper.close(), draft?.close()]);
    },
  };
}
