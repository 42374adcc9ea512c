import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';

export interface AudioChunkerOptions {
  sessionId: string;
  /** The stream inside the session: the producer id for a tapped WebRTC track. */
  streamId: string;
  /** Chunk length; the bus carries 20–200 ms chunks. */
  chunkMs?: number;
  sampleRate?: number;
  purpose?: AudioPurpose;
  /** Wall clock, replaceable in tests. */
  now?: () => number;
}

const BYTES_PER_SAMPLE = 2; // s16le mono

/**
 * Cuts a 16-bit mono PCM byte stream (arriving in arbitrary pieces) into numbered fixed-length
 * chunks stamped with stream time, then a final end-of-stream marker. Pure and synchronous: the
 * caller decides where chunks go.
 */
export class AudioChunker {
  readonly sessionId: string;
  readonly streamId: string;
  readonly sampleRate: number;
  readonly chunkBytes: number;
  readonly #purpose: AudioPurpose;
  readonly #now: () => number;
  #pending: Buffer = Buffer.alloc(0);
  /** Wall-clock arrival of the first pending byte. */
  #pendingArrivedAt = 0;
  #sequence = 0;
  #samplesEmitted = 0;
  #ended = false;

  constructor(options: AudioChunkerOptions) {
    const chunkMs = options.chunkMs ?? 100;
    this.sampleRate = options.sampleRate ?? 16000;
    const samples = (this.sampleRate * chunkMs) / 1000;
    if (!Number.isInteger(samples) || samples <= 0) {
      throw new RangeError(`chunkMs ${chunkMs} is not a whole number of samples`);
    }
    this.sessionId = options.sessionId;
    this.streamId = options.streamId;
    this.chunkBytes = samples * BYTES_PER_SAMPLE;
    this.#purpose = options.purpose ?? AudioPurpose.AUDIO_PURPOSE_LECTURE;
    this.#now = options.now ?? Date.now;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Stream time covered by the chunks emitted so far, in ms. */
  get emittedMs(): number {
    return (this.#samplesEmitted * 1000) / this.sampleRate;
  }

  /** Adds PCM bytes that arrived at `arrivedAtMs`; returns the chunks now complete. */
  push(pcm: Buffer, arrivedAtMs: number = this.#now()): AudioChunk[] {
    if (this.#ended) throw new Error(`stream ${this.streamId} already ended`);
    if (pcm.length === 0) return [];
    const carried = this.#pending.length;
    const data = carried === 0 ? pcm : Buffer.concat([this.#pending, pcm]);
    if (carried === 0) this.#pendingArrivedAt = arrivedAtMs;
    const chunks: AudioChunk[] = [];
    let offset = 0;
    while (data.length - offset >= this.chunkBytes) {
      const capturedAt = offset < carried ? this.#pendingArrivedAt : arrivedAtMs;
      // Copy, so a chunk never pins the (larger) buffer it was cut from.
      chunks.push(
        this.#chunk(Buffer.from(data.subarray(offset, offset + this.chunkBytes)), capturedAt),
      );
      offset += this.chunkBytes;
    }
    if (offset > 0 && offset >= carried) this.#pendingArrivedAt = arrivedAtMs;
    this.#pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    return chunks;
  }

  /**
   * Ends the stream: the remaining whole samples as a last, shorter chunk (if any), then the
   * end-of-stream marker carrying `reason`. Calling it again returns nothing.
   */
  end(reason: string): AudioChunk[] {
    if (this.#ended) return [];
    const chunks: AudioChunk[] = [];
    const usable = this.#pending.length - (this.#pending.length % BYTES_PER_SAMPLE);
    if (usable > 0) {
      chunks.push(
        this.#chunk(Buffer.from(this.#pending.subarray(0, usable)), this.#pendingArrivedAt),
      );
    }
    this.#pending = Buffer.alloc(0);
    this.#ended = true;
    chunks.push({
      ...this.#base(),
      pcm: Buffer.alloc(0),
      endOfStream: true,
      endReason: reason,
      capturedAtMs: this.#now(),
    });
    return chunks;
  }

  #chunk(pcm: Buffer, capturedAtMs: number): AudioChunk {
    const chunk: AudioChunk = { ...this.#base(), pcm, capturedAtMs };
    this.#sequence += 1;
    this.#samplesEmitted += pcm.length / BYTES_PER_SAMPLE;
    return chunk;
  }

  #base(): Omit<AudioChunk, 'pcm' | 'capturedAtMs'> {
    return {
      sessionId: this.sessionId,
      streamId: this.streamId,
      sequence: this.#sequence,
      startMs: Math.floor((this.#samplesEmitted * 1000) / this.sampleRate),
      sampleRate: this.sampleRate,
      endOfStream: false,
      endReason: '',
      purpose: this.#purpose,
    };
  }
}
