import { openSync, readSync, closeSync } from 'node:fs';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { FETCH_COMMAND } from '../modelsDir.js';
import { resolveModelFile, type ResolveOptions } from '../resolveModel.js';
import { tokensToWords } from './tokensToWords.js';
import type { Recognition, RecognizeOptions, RecognizedSegment, TimedToken } from './types.js';

type SmartWhisper = typeof import('smart-whisper');
type NativeModel = InstanceType<SmartWhisper['WhisperModel']>;

export const SAMPLE_RATE = 16_000;
/** Shortest input whisper.cpp decodes (it wants over 100 mel frames), with a margin. */
const MIN_DECODE_SAMPLES = (SAMPLE_RATE * 11) / 10;
/** whisper's text context holds 448 tokens; half of it is the most one segment may take. */
const MAX_TOKENS = 224;

export interface WhisperRecognizerOptions extends ResolveOptions {
  /** Decoder threads; the machine has 2 cores, and one is left for the event loop's work. */
  threads?: number;
  /**
   * Shrink the encoder's window to the audio's length (plus a margin) instead of whisper's fixed
   * 30 s. For short chunks this is 3–8× faster; the full window stays for audio over 20 s.
   */
  trimAudioContext?: boolean;
  /**
   * Encoder positions (20 ms each) of silence the trimmed window keeps after the audio; whisper
   * wants some room after the speech to end its segment. The window is rounded up to 32.
   */
  contextMargin?: number;
  /**
   * Beam search width; 1 = greedy. Greedy is about 1.6× cheaper per decode and costs about two
   * points of word error rate on the caption benchmark: live streams use it, batch jobs use 5.
   */
  beamSize?: number;
}

async function loadBinding(): Promise<SmartWhisper> {
  try {
    return await import('smart-whisper');
  } catch (err) {
    throw new ModelUnavailableError(
      'whisper.cpp runtime',
      'runtime',
      `the smart-whisper native addon is not built (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ${FETCH_COMMAND} builds it`,
      err,
    );
  }
}

/** whisper.cpp's ggml header: magic, then n_vocab. English-only models have one token less. */
function endOfTextToken(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(8);
    readSync(fd, header, 0, 8, 0);
    return header.readInt32LE(4) >= 51865 ? 50257 : 50256;
  } finally {
    closeSync(fd);
  }
}

/**
 * Speech-to-text with whisper.cpp through smart-whisper, with the model kept resident: it is
 * loaded once and every call decodes on libuv's thread pool (a native async worker), so the event
 * loop keeps running during a decode. One whisper context cannot decode twice at once, so calls
 * are queued and run one after another.
 */
export class WhisperRecognizer {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly modelId: string,
    private readonly model: NativeModel,
    private readonly binding: SmartWhisper,
    private readonly eot: number,
    private readonly options: WhisperRecognizerOptions,
  ) {}

  static async load(
    modelId = 'whisper-base',
    options: WhisperRecognizerOptions = {},
  ): Promise<WhisperRecognizer> {
    const path = await resolveModelFile(modelId, 'ggml-model.bin', options);
    const binding = await loadBinding();
    let model: NativeModel;
    try {
      model = await binding.WhisperModel.load(path, false);
    } catch (err) {
      throw new ModelUnavailableError(
        modelId,
        'corrupt',
        `whisper.cpp could not load ${path}`,
        err,
      );
    }
    return new WhisperRecognizer(modelId, model, binding, endOfTextToken(path), options);
  }

  /** Transcribes 16 kHz mono float PCM in [-1, 1]. Safe to call concurrently (queued). */
  recognize(pcm16k: Float32Array, options: RecognizeOptions = {}): Promise<Recognition> {
    const run = this.queue.then(() => this.decode(pcm16k, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decode(pcm: Float32Array, options: RecognizeOptions): Promise<Recognition> {
    if (this.closed)
      throw new ModelUnavailableError(this.modelId, 'runtime', 'the recognizer was closed');
    if (pcm.length < SAMPLE_RATE / 10) return { segments: [] };
    // whisper.cpp skips input under one second ("input is too short"): a short answer such as
    // "Yes." would be lost. Trailing silence pads it.
    if (pcm.length < MIN_DECODE_SAMPLES) {
      const padded = new Float32Array(MIN_DECODE_SAMPLES);
      padded.set(pcm);
      pcm = padded;
    }
    const beamSize = options.beamSize ?? this.options.beamSize ?? 1;
    const frames = Math.ceil(pcm.length / 320); // encoder positions: 50 per second
    const trim = (this.options.trimAudioContext ?? true) && frames < 1000;
    const task = await this.binding.TranscribeTask.run(this.model, pcm, {
      language: options.language ?? 'en',
      n_threads: this.options.threads ?? 2,
      format: 'detail',
      // smart-whisper starts from beam-search defaults (5 beams): greedy must be asked for.
      ...(beamSize > 1 ? { strategy: 1, beam_size: beamSize } : { strategy: 0 }),
      token_timestamps: true,
      suppress_non_speech_tokens: true,
      no_context: true,
      ...(options.initialPrompt ? { initial_prompt: options.initialPrompt } : {}),
      // A hypothesis that loops ("the the the …") would run to the text context's end; real
      // speech stays far below this many tokens per second of audio.
      max_tokens: Math.min(MAX_TOKENS, Math.ceil((pcm.length / SAMPLE_RATE) * 7) + 10),
      ...(options.noFallback ? { temperature_inc: 0 } : {}),
      ...(trim
        ? {
            audio_ctx: Math.min(
              1500,
              Math.ceil((frames + (this.options.contextMargin ?? 32)) / 32) * 32,
            ),
          }
        : {}),
    });
    const results = await task.result;
    const segments: RecognizedSegment[] = [];
    for (const r of results) {
      const tokens: TimedToken[] = r.tokens.map((t) => ({
        text: t.text,
        id: t.id,
        p: t.p,
        startMs: t.from ?? r.from,
        endMs: t.to ?? r.to,
      }));
      const text = r.text.trim();
      if (text.length === 0) continue;
      segments.push({ text, startMs: r.from, endMs: r.to, words: tokensToWords(tokens, this.eot) });
    }
    return { segments };
  }

  /**
   * One throw-away decode, so that the first real one does not pay for the first-use costs
   * (buffer allocation, page faults over the weights): measured 2.7 s for 1.1 s of audio cold
   * against 0.3–0.5 s warm. Call it before the service says it is ready.
   */
  async warmUp(): Promise<void> {
    const audio = new Float32Array(SAMPLE_RATE * 2);
    // Faint noise rather than digital silence, so the encoder and decoder both run.
    let state = 1;
    for (let i = 0; i < audio.length; i++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      audio[i] = (state / 0xffffffff - 0.5) * 0.002;
    }
    await this.recognize(audio, { noFallback: true });
  }

  /** Waits for queued decodes, then frees the model. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    await this.model.free();
  }
}
