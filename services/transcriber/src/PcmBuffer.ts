/** Growing mono float PCM at 16 kHz, trimmed from the front as audio is finalised. */
export class PcmBuffer {
  static readonly SAMPLE_RATE = 16_000;
  private chunks: Float32Array[] = [];
  private length = 0;

  constructor(
    /** Stream time (ms) of the first sample held. */
    public startMs = 0,
  ) {}

  get samples(): number {
    return this.length;
  }

  get durationMs(): number {
    return (this.length * 1000) / PcmBuffer.SAMPLE_RATE;
  }

  get endMs(): number {
    return this.startMs + this.durationMs;
  }

  append(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.length += samples.length;
  }

  /** A contiguous copy of everything held. */
  toArray(): Float32Array {
    const out = new Float32Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Drops audio before stream time `ms`. */
  dropBefore(ms: number): void {
    let drop = Math.floor(((ms - this.startMs) * PcmBuffer.SAMPLE_RATE) / 1000);
    if (drop <= 0) return;
    drop = Math.min(drop, this.length);
    const kept = this.toArray().subarray(drop);
    this.chunks = kept.length > 0 ? [kept.slice()] : [];
    this.length = kept.length;
    this.startMs += (drop * 1000) / PcmBuffer.SAMPLE_RATE;
  }

  /** Keeps only the last `ms` of audio (pre-roll before speech starts). */
  keepLast(ms: number): void {
    this.dropBefore(this.endMs - ms);
  }

  clear(atMs: number): void {
    this.chunks = [];
    this.length = 0;
    this.startMs = atMs;
  }
}

export function int16ToFloat32(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] ?? 0) / 32768;
  return out;
}

/** Reads s16le bytes (as carried on the bus) without assuming alignment. */
export function s16leToFloat32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}
