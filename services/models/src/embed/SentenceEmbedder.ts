import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { ModelUnavailableError } from '../ModelUnavailableError.js';
import { resolveModel, type ResolveOptions } from '../resolveModel.js';
import { WordPieceTokenizer } from './WordPieceTokenizer.js';

export interface SentenceEmbedderOptions extends ResolveOptions {
  /** Tokens per text, [CLS] and [SEP] included (all-MiniLM-L6-v2 was trained with 256). */
  maxTokens?: number;
  /** Texts per forward pass. */
  batchSize?: number;
}

/**
 * Sentence embeddings from a BERT-style ONNX encoder: WordPiece tokens in, the last hidden
 * state out, mean-pooled over real tokens and L2-normalised (so a dot product is the cosine).
 */
export class SentenceEmbedder {
  private constructor(
    readonly modelId: string,
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: WordPieceTokenizer,
    readonly dimensions: number,
    private readonly maxTokens: number,
    private readonly batchSize: number,
  ) {}

  static async load(
    modelId = 'minilm-l6-v2',
    options: SentenceEmbedderOptions = {},
  ): Promise<SentenceEmbedder> {
    const model = await resolveModel(modelId, options);
    const onnx = model.files['model.onnx'];
    const vocab = model.files['vocab.txt'];
    if (!onnx || !vocab)
      throw new ModelUnavailableError(
        modelId,
        'unknown',
        'it is not an embedding model (model.onnx + vocab.txt)',
      );
    const tokenizer = new WordPieceTokenizer(await readFile(vocab, 'utf8'));
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnx, {
        intraOpNumThreads: 2,
        interOpNumThreads: 1,
      });
    } catch (err) {
      throw new ModelUnavailableError(
        modelId,
        'corrupt',
        `onnxruntime could not load ${onnx}`,
        err,
      );
    }
    const probe = new SentenceEmbedder(
      modelId,
      session,
      tokenizer,
      0,
      options.maxTokens ?? 256,
      options.batchSize ?? 16,
    );
    const [v] = await probe.run(['dimension probe']);
    return new SentenceEmbedder(
      modelId,
      session,
      tokenizer,
      v?.length ?? 0,
      options.maxTokens ?? 256,
      options.batchSize ?? 16,
    );
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize)
      out.push(...(await this.run(texts.slice(i, i + this.batchSize))));
    return out;
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const encodings = texts.map((t) => this.tokenizer.encode(t, this.maxTokens));
    const len = Math.max(...encodings.map((e) => e.ids.length));
    const n = texts.length;
    const ids = new BigInt64Array(n * len);
    const mask = new BigInt64Array(n * len);
    encodings.forEach((e, b) => {
      e.ids.forEach((id, j) => {
        ids[b * len + j] = BigInt(id);
        mask[b * len + j] = 1n;
      });
    });
    const out = await this.session.run({
      input_ids: new ort.Tensor('int64', ids, [n, len]),
      attention_mask: new ort.Tensor('int64', mask, [n, len]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * len), [n, len]),
    });
    const hidden = out.last_hidden_state;
    if (!hidden) throw new Error(`${this.modelId}: model has no last_hidden_state output`);
    const data = hidden.data as Float32Array;
    const dim = hidden.dims[2] ?? 0;
    return encodings.map((e, b) => {
      const v = new Float32Array(dim);
      const count = e.ids.length;
      for (let j = 0; j < count; j++) {
        const base = (b * len + j) * dim;
        for (let d = 0; d < dim; d++) v[d] = (v[d] ?? 0) + (data[base + d] ?? 0);
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const x = (v[d] ?? 0) / count;
        v[d] = x;
        norm += x * x;
      }
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; d++) v[d] = (v[d] ?? 0) / norm;
      return v;
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}
