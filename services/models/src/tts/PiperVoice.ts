import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { loadManifest } from '../manifest.js';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { resolveModel, type ResolveOptions } from '../resolveModel.js';
import { EspeakPhonemizer } from './EspeakPhonemizer.js';

interface PiperConfig {
  audio: { sample_rate: number };
  espeak: { voice: string };
  inference: { noise_scale: number; length_scale: number; noise_w: number };
  phoneme_id_map: Record<string, number[]>;
}

export interface SynthesizeOptions {
  /** 1 = the voice's natural pace; 1.2 = 20 % faster. */
  speed?: number;
}

export interface Speech {
  sampleRate: number;
  pcm: Int16Array;
}

export interface VoiceInfo {
  id: string;
  description: string;
  licence: string;
}

/** Pause between sentences, as Piper puts it. */
const SENTENCE_SILENCE_S = 0.2;

/**
 * A Piper (VITS) voice run with onnxruntime-node. Text is phonemized by espeak-ng, phonemes map
 * to ids through the voice's own table (with Piper's BOS `^`, EOS `$` and a pad `_` after each
 * phoneme), and each sentence is synthesized separately and peak-normalised like Piper does.
 */
export class PiperVoice {
  private constructor(
    readonly voiceId: string,
    private readonly session: ort.InferenceSession,
    private readonly config: PiperConfig,
    private readonly phonemizer: EspeakPhonemizer,
  ) {}

  get sampleRate(): number {
    return this.config.audio.sample_rate;
  }

  /** The text-to-speech voices in the manifest. */
  static listVoices(): VoiceInfo[] {
    return loadManifest()
      .models.filter((m) => m.purpose === 'text-to-speech')
      .map((m) => ({ id: m.id, description: m.description, licence: m.licence }));
  }

  static async load(
    voiceId = 'piper-en-us-joe-medium',
    options: ResolveOptions = {},
  ): Promise<PiperVoice> {
    const model = await resolveModel(voiceId, options);
    const onnx = model.files['voice.onnx'];
    const json = model.files['voice.onnx.json'];
    if (!onnx || !json)
      throw new ModelUnavailableError(
        voiceId,
        'unknown',
        'it is not a Piper voice (voice.onnx + voice.onnx.json)',
      );
    const config = JSON.parse(await readFile(json, 'utf8')) as PiperConfig;
    try {
      const session = await ort.InferenceSession.create(onnx, {
        intraOpNumThreads: 2,
        interOpNumThreads: 1,
      });
      return new PiperVoice(voiceId, session, config, new EspeakPhonemizer(config.espeak.voice));
    } catch (err) {
      throw new ModelUnavailableError(
        voiceId,
        'corrupt',
        `onnxruntime could not load ${onnx}`,
        err,
      );
    }
  }

  phonemeIds(phonemes: string): number[] {
    const map = this.config.phoneme_id_map;
    const pad = map['_'] ?? [0];
    const ids = [...(map['^'] ?? []), ...pad];
    for (const ch of phonemes) {
      const id = map[ch];
      if (!id) continue; // a symbol the voice was not trained with
      ids.push(...id, ...pad);
    }
    ids.push(...(map['$'] ?? []));
    return ids;
  }

  async synthesize(text: string, options: SynthesizeOptions = {}): Promise<Speech> {
    const speed = options.speed ?? 1;
    if (!(speed > 0.25 && speed < 4))
      throw new RangeError(`speed must be between 0.25 and 4, got ${speed}`);
    const { noise_scale, length_scale, noise_w } = this.config.inference;
    const scales = new ort.Tensor(
      'float32',
      Float32Array.from([noise_scale, length_scale / speed, noise_w]),
      [3],
    );
    const silence = new Int16Array(Math.round(this.sampleRate * SENTENCE_SILENCE_S));
    const chunks: Int16Array[] = [];
    for (const phonemes of await this.phonemizer.phonemize(text)) {
      const ids = this.phonemeIds(phonemes);
      const out = await this.session.run({
        input: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
        scales,
      });
      const audio = out.output?.data as Float32Array;
      let peak = 0.01;
      for (const s of audio) peak = Math.max(peak, Math.abs(s));
      const pcm = new Int16Array(audio.length);
      const gain = 32767 / peak;
      for (let i = 0; i < audio.length; i++) pcm[i] = Math.round((audio[i] ?? 0) * gain);
      if (chunks.length > 0) chunks.push(silence);
      chunks.push(pcm);
    }
    const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      pcm.set(c, offset);
      offset += c.length;
    }
    return { sampleRate: this.sampleRate, pcm };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
