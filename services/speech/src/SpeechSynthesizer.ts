/** One voice the service can speak with. */
export interface VoiceDescription {
  id: string;
  name: string;
  language: string;
  sampleRate: number;
}

export interface SynthesizedSpeech {
  sampleRate: number;
  /** Mono, signed 16-bit. */
  pcm: Int16Array;
}

/** Text to PCM. The real one is PiperSynthesizer (Piper/VITS ONNX voices of @lm/models). */
export interface SpeechSynthesizer {
  voices(): Promise<VoiceDescription[]>;
  /** `voiceId` empty: the default voice. `speed` 1 is normal. */
  synthesize(
    text: string,
    options: { voiceId?: string; speed?: number },
  ): Promise<SynthesizedSpeech>;
  close(): Promise<void>;
}
