/**
 * Turns texts into unit-length vectors (cosine similarity = dot product). The real one is the
 * sentence embedder of @lm/models; the library only needs this much of it.
 */
export interface Embedder {
  readonly dimensions: number;
  /** A name that changes when the vectors change (model and version): stored with the index. */
  readonly modelId: string;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
