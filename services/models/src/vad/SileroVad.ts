import ort from 'onnxruntime-node';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { resolveModelFile, type ResolveOptions } from '../resolveModel.js';

export const VAD_SAMPLE_RATE = 16_000;
export const VAD_FRAME_SAMPLES = 512;
/** Silero v5 sees the last 64 samples of the previous frame in front of each new frame. */
const CONTEXT_SAMPLES = 64;

/** The recurrent state of one audio stream; create one per stream with `SileroVad.createStream`. */
export interface VadStreamState {
  state: Float32Array;
  context: Float32Array;
}

/**
 * Silero VAD v5 through onnxruntime-node: one 512-sample frame (32 ms at 16 kHz) in, the
 * probability that it holds speech out. The session is shared; each stream carries its own
 * state, so many streams can use one loaded model.
 */
export class SileroVad {
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);

  private constructor(
    readonly modelId: string,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(modelId = 'silero-vad-v5', options: ResolveOptions = {}): Promise<SileroVad> {
    const path = await resolveModelFile(modelId, 'silero_vad.onnx', options);
    try {
      const session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      return new SileroVad(modelId, session);
    } catch (err) {
      throw new ModelUnavailableError(
        modelId,
        'corrupt',
        `onnxruntime could not load ${path}`,
        err,
      );
    }
  }

  createStream(): VadStreamState {
    return { state: new Float32Array(2 * 128), context: new Float32Array(CONTEXT_SAMPLES) };
  }

  /** Speech probability (0..1) of one 512-sample frame; advances the stream's state. */
  async process(stream: VadStreamState, frame: Float32Array): Promise<number> {
    if (frame.length !== VAD_FRAME_SAMPLES) {
      throw new RangeError(
        `Silero VAD takes ${VAD_FRAME_SAMPLES}-sample frames, got ${frame.length}`,
      );
    }
    const input = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
    input.set(stream.context, 0);
    input.set(frame, CONTEXT_SAMPLES);
    const out = await this.session.run({
      input: new ort.Tensor('float32', input, [1, input.length]),
      state: new ort.Tensor('float32', stream.state, [2, 1, 128]),
      sr: this.sr,
    });
    stream.state = new Float32Array(out.stateN?.data as Float32Array);
    stream.context = input.slice(input.length - CONTEXT_SAMPLES);
    return (out.output?.data as Float32Array)[0] ?? 0;
  }

  /** Probabilities of every whole frame of a buffer (a tail shorter than a frame is ignored). */
  async processAll(stream: VadStreamState, pcm: Float32Array): Promise<number[]> {
    const probs: number[] = [];
    for (let i = 0; i + VAD_FRAME_SAMPLES <= pcm.length; i += VAD_FRAME_SAMPLES) {
      probs.push(await this.process(stream, pcm.subarray(i, i + VAD_FRAME_SAMPLES)));
    }
    return probs;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
