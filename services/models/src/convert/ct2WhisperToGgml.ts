import { Ct2FormatError, Ct2Reader, type Ct2Variable } from './Ct2Reader.js';
import { gpt2TokenToBytes } from './gpt2Bytes.js';
import { floatBytesToHalfBytes, floatToHalf, halfBytesToFloatBytes } from './half.js';
import { melFilters } from './melFilters.js';

/**
 * Converts a CTranslate2 Whisper model (as faster-whisper ships it) into the ggml file that
 * whisper.cpp loads. No registry package carries ggml Whisper weights, but several carry the
 * CTranslate2 conversion of the same OpenAI weights; the tensors are the same, renamed, with
 * q/k/v fused. The layout written here is whisper.cpp's: magic, eleven int32 hyper-parameters,
 * the mel filterbank, the byte-level vocabulary (without special tokens, which whisper.cpp adds
 * itself), then each tensor as (n_dims, name length, type, dims innermost-first, name, data).
 * The output is deterministic, so its sha256 is pinned in the manifest like any other file.
 */

const GGML_MAGIC = 0x67676d6c;
const TYPE_F32 = 0;
const TYPE_F16 = 1;
const TYPE_Q8_0 = 8;
/** ggml's file type for "mostly q8_0", with the quantisation format version (2) in the thousands. */
const FTYPE_Q8_0 = 2 * 1000 + 7;

/** The weight format of the converted model's matrices. */
export type GgmlWeights = 'f16' | 'q8_0';

interface Tensor {
  name: string;
  /** numpy-order shape (outermost first), as whisper's converter writes it. */
  shape: number[];
  type: typeof TYPE_F32 | typeof TYPE_F16 | typeof TYPE_Q8_0;
  data: Buffer;
}

/** Tensors that whisper.cpp keeps in f32 even in an f16 model. */
function wantsF32(name: string, rank: number): boolean {
  return (
    rank < 2 ||
    name === 'encoder.conv1.bias' ||
    name === 'encoder.conv2.bias' ||
    name === 'encoder.positional_embedding' ||
    name === 'decoder.positional_embedding'
  );
}

function asType(v: Ct2Variable, type: number): Buffer {
  if (v.dtype === 'float16') return type === TYPE_F16 ? v.data : halfBytesToFloatBytes(v.data);
  if (v.dtype === 'float32') return type === TYPE_F32 ? v.data : floatBytesToHalfBytes(v.data);
  throw new Ct2FormatError(`${v.name} is ${v.dtype}; only float16/float32 models are supported`);
}

function elementBytes(v: Ct2Variable): number {
  return v.dtype === 'float16' ? 2 : 4;
}

/** Rows [from, to) of a 2-D (or 1-D) variable. */
function rows(v: Ct2Variable, from: number, to: number): Ct2Variable {
  const rowElems = v.shape.length > 1 ? v.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  const b = elementBytes(v) * rowElems;
  return {
    name: v.name,
    dtype: v.dtype,
    shape: [to - from, ...v.shape.slice(1)],
    data: v.data.subarray(from * b, to * b),
  };
}

export interface GgmlConversionInput {
  modelBin: Buffer;
  /** vocabulary.txt: one byte-level token per line, special tokens last. */
  vocabulary: string;
  /**
   * f16 (the default), or q8_0: the matrices whisper.cpp creates in the model's weight type (the
   * linear layers and the token embedding) become 8-bit blocks; convolutions stay f16, biases,
   * norms and positions f32, as whisper.cpp expects of a q8_0 model.
   */
  weights?: GgmlWeights;
}

export function ct2WhisperToGgml({
  modelBin,
  vocabulary,
  weights = 'f16',
}: GgmlConversionInput): Buffer {
  const ct2 = new Ct2Reader(modelBin);
  if (ct2.specName !== 'WhisperSpec')
    throw new Ct2FormatError(`spec is ${ct2.specName}, not WhisperSpec`);

  const tensors: Tensor[] = [];
  const add = (name: string, v: Ct2Variable, shape: number[] = [...v.shape]): void => {
    if (wantsF32(name, shape.length)) {
      tensors.push({ name, shape, type: TYPE_F32, data: asType(v, TYPE_F32) });
    } else if (weights === 'q8_0' && shape.length === 2) {
      tensors.push({ name, shape, type: TYPE_Q8_0, data: quantizeQ8_0(asType(v, TYPE_F32)) });
    } else {
      tensors.push({ name, shape, type: TYPE_F16, data: asType(v, TYPE_F16) });
    }
  };
  const linear = (name: string, prefix: string, withBias = true): void => {
    add(`${name}.weight`, ct2.get(`${prefix}/weight`));
    if (withBias) add(`${name}.bias`, ct2.get(`${prefix}/bias`));
  };
  const norm = (name: string, prefix: string): void => {
    add(`${name}.weight`, ct2.get(`${prefix}/gamma`));
    add(`${name}.bias`, ct2.get(`${prefix}/beta`));
  };
  /** Splits a fused projection (rows stacked) into whisper's separate query/key/value. */
  const split = (prefix: string, parts: { name: string; bias: boolean }[], state: number): void => {
    const w = ct2.get(`${prefix}/weight`);
    const b = ct2.get(`${prefix}/bias`);
    parts.forEach((p, i) => {
      add(`${p.name}.weight`, rows(w, i * state, (i + 1) * state));
      if (p.bias) add(`${p.name}.bias`, rows(b, i * state, (i + 1) * state));
    });
  };

  const conv1 = ct2.get('encoder/conv1/weight');
  const nAudioState = conv1.shape[0] ?? 0;
  const nMels = conv1.shape[1] ?? 0;
  const encPos = ct2.get('encoder/position_encodings/encodings');
  const decPos = ct2.get('decoder/position_encodings/encodings');
  const emb = ct2.get('decoder/embeddings/weight');
  const nVocab = emb.shape[0] ?? 0;
  const nTextState = emb.shape[1] ?? 0;
  const encLayers = ct2.layerCount('encoder');
  const decLayers = ct2.layerCount('decoder');

  add('encoder.positional_embedding', encPos);
  add('encoder.conv1.weight', conv1);
  add('encoder.conv1.bias', ct2.get('encoder/conv1/bias'), [nAudioState, 1]);
  add('encoder.conv2.weight', ct2.get('encoder/conv2/weight'));
  add('encoder.conv2.bias', ct2.get('encoder/conv2/bias'), [nAudioState, 1]);
  for (let i = 0; i < encLayers; i++) {
    const g = `encoder.blocks.${i}`;
    const c = `encoder/layer_${i}`;
    norm(`${g}.attn_ln`, `${c}/self_attention/layer_norm`);
    split(
      `${c}/self_attention/linear_0`,
      [
        { name: `${g}.attn.query`, bias: true },
        { name: `${g}.attn.key`, bias: false },
        { name: `${g}.attn.value`, bias: true },
      ],
      nAudioState,
    );
    linear(`${g}.attn.out`, `${c}/self_attention/linear_1`);
    norm(`${g}.mlp_ln`, `${c}/ffn/layer_norm`);
    linear(`${g}.mlp.0`, `${c}/ffn/linear_0`);
    linear(`${g}.mlp.2`, `${c}/ffn/linear_1`);
  }
  norm('encoder.ln_post', 'encoder/layer_norm');

  add('decoder.positional_embedding', decPos);
  add('decoder.token_embedding.weight', emb);
  for (let i = 0; i < decLayers; i++) {
    const g = `decoder.blocks.${i}`;
    const c = `decoder/layer_${i}`;
    norm(`${g}.attn_ln`, `${c}/self_attention/layer_norm`);
    split(
      `${c}/self_attention/linear_0`,
      [
        { name: `${g}.attn.query`, bias: true },
        { name: `${g}.attn.key`, bias: false },
        { name: `${g}.attn.value`, bias: true },
      ],
      nTextState,
    );
    linear(`${g}.attn.out`, `${c}/self_attention/linear_1`);
    norm(`${g}.cross_attn_ln`, `${c}/attention/layer_norm`);
    linear(`${g}.cross_attn.query`, `${c}/attention/linear_0`);
    split(
      `${c}/attention/linear_1`,
      [
        { name: `${g}.cross_attn.key`, bias: false },
        { name: `${g}.cross_attn.value`, bias: true },
      ],
      nTextState,
    );
    linear(`${g}.cross_attn.out`, `${c}/attention/linear_2`);
    norm(`${g}.mlp_ln`, `${c}/ffn/layer_norm`);
    linear(`${g}.mlp.0`, `${c}/ffn/linear_0`);
    linear(`${g}.mlp.2`, `${c}/ffn/linear_1`);
  }
  norm('decoder.ln', 'decoder/layer_norm');

  // Byte-level tokens only: whisper.cpp appends the special tokens from n_vocab itself.
  const lines = vocabulary.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const eot = lines.indexOf('<|endoftext|>');
  if (eot < 0) throw new Ct2FormatError('vocabulary has no <|endoftext|> token');
  const tokens = lines.slice(0, eot).map(gpt2TokenToBytes);

  const header = Buffer.alloc(4 * 12);
  [
    GGML_MAGIC,
    nVocab,
    encPos.shape[0] ?? 0,
    nAudioState,
    ct2.scalar('encoder/num_heads'),
    encLayers,
    decPos.shape[0] ?? 0,
    nTextState,
    ct2.scalar('decoder/num_heads'),
    decLayers,
    nMels,
    weights === 'q8_0' ? FTYPE_Q8_0 : 1, // ftype: mostly f16
  ].forEach((v, i) => header.writeInt32LE(v, i * 4));

  const filters = melFilters(nMels);
  const nBins = filters.length / nMels;
  const melHeader = Buffer.alloc(8);
  melHeader.writeInt32LE(nMels, 0);
  melHeader.writeInt32LE(nBins, 4);

  const parts: Buffer[] = [header, melHeader, Buffer.from(filters.buffer)];
  const count = Buffer.alloc(4);
  count.writeInt32LE(tokens.length, 0);
  parts.push(count);
  for (const t of tokens) {
    const len = Buffer.alloc(4);
    len.writeInt32LE(t.length, 0);
    parts.push(len, t);
  }
  for (const t of tensors) {
    const name = Buffer.from(t.name, 'utf8');
    const head = Buffer.alloc(12 + 4 * t.shape.length);
    head.writeInt32LE(t.shape.length, 0);
    head.writeInt32LE(name.length, 4);
    head.writeInt32LE(t.type, 8);
    [...t.shape].reverse().forEach((d, i) => head.writeInt32LE(d, 12 + 4 * i));
    parts.push(head, name, t.data);
  }
  return Buffer.concat(parts);
}

/** Values per q8_0 block; each block is an f16 scale followed by 32 signed bytes. */
export const Q8_0_BLOCK = 32;
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/**
 * ggml's q8_0 quantisation of little-endian f32 values (rows must be a whole number of blocks):
 * per block of 32, scale d = max|x| / 127 and q = round(x / d), computed in single precision.
 */
export function quantizeQ8_0(f32: Buffer): Buffer {
  const n = f32.length / 4;
  if (n % Q8_0_BLOCK !== 0)
    throw new Ct2FormatError(`q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${n}`);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = f32.readFloatLE(i * 4);
  const out = Buffer.alloc((n / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES);
  for (let b = 0; b < n / Q8_0_BLOCK; b++) {
    const from = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(values[from + j] ?? 0));
    const d = Math.fround(amax / 127);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    const at = b * Q8_0_BLOCK_BYTES;
    out.writeUInt16LE(floatToHalf(d), at);
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const x = Math.fround((values[from + j] ?? 0) * id);
      // Half away from zero, as C's roundf.
      out.writeInt8(Math.sign(x) * Math.round(Math.abs(x)), at + 2 + j);
    }
  }
  return out;
}
