import { AppError } from '@lm/kit';
import { ModelUnavailableError, PiperVoice, modelEntry } from '@lm/models';
import type {
  SpeechSynthesizer,
  SynthesizedSpeech,
  VoiceDescription,
} from './SpeechSynthesizer.js';

/**
 * Piper voices from the model cache, loaded on first use and kept resident (a load costs
 * about a second; a sentence then takes a fraction of its duration).
 */
export class PiperSynthesizer implements SpeechSynthesizer {
  private readonly loaded = new Map<string, Promise<PiperVoice>>();

  constructor(
    readonly defaultVoiceId = 'piper-en-us-joe-medium',
    private readonly options: { modelsDir?: string } = {},
  ) {}

  /** Loads the default voice now, so the first sentence does not pay for it. */
  async warm(): Promise<void> {
    await this.voice(this.defaultVoiceId);
  }

  async voices(): Promise<VoiceDescription[]> {
    const voices = PiperVoice.listVoices();
    return Promise.all(
      voices.map(async (v) => {
        const rate = this.loaded.has(v.id) ? (await this.voice(v.id)).sampleRate : 22050;
        return { id: v.id, name: v.description, language: languageOf(v.id), sampleRate: rate };
      }),
    );
  }

  async synthesize(
    text: string,
    options: { voiceId?: string; speed?: number },
  ): Promise<SynthesizedSpeech> {
    const voice = await this.voice(options.voiceId || this.defaultVoiceId);
    const speed = options.speed || 1;
    if (!(speed >= 0.5 && speed <= 2))
      throw new AppError('invalid_argument', `speed must be between 0.5 and 2, got ${speed}`);
    return voice.synthesize(text, { speed });
  }

  async close(): Promise<void> {
    const voices = await Promise.allSettled([...this.loaded.values()]);
    this.loaded.clear();
    for (const v of voices) if (v.status === 'fulfilled') await v.value.close();
  }

  private voice(id: string): Promise<PiperVoice> {
    let voice = this.loaded.get(id);
    if (!voice) {
      try {
        if (modelEntry(id).purpose !== 'text-to-speech')
          throw new AppError('not_found', `No voice ${id}`);
      } catch (error) {
        if (error instanceof ModelUnavailableError)
          throw new AppError('not_found', `No voice ${id}`);
        throw error;
      }
      voice = PiperVoice.load(
        id,
        this.options.modelsDir ? { dir: this.options.modelsDir } : {},
      ).catch((error: unknown) => {
        this.loaded.delete(id);
        throw new AppError(
          'unavailable',
          `Voice ${id} cannot be loaded: ${(error as Error).message}`,
          { cause: error },
        );
      });
      this.loaded.set(id, voice);
    }
    return voice;
  }
}

/** Piper voice ids carry the locale: piper-en-us-… → en-US. */
function languageOf(id: string): string {
  const match = /^piper-([a-z]{2})-([a-z]{2})-/.exec(id);
  return match ? `${match[1]}-${(match[2] ?? '').toUpperCase()}` : 'en';
}
