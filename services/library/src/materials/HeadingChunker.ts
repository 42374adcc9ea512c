import type { DocumentSection } from './sections.js';
import { estimateTokens, splitSentences } from './sentences.js';

/** A piece of a document, sized for the embedder, with where it sits in the document. */
export interface DraftChunk {
  ordinal: number;
  headingPath: string[];
  text: string;
  tokens: number;
  page?: number;
}

export interface ChunkerOptions {
  /** A chunk is closed once it holds at least this many tokens... */
  targetTokens: number;
  /** ...and never grows past this (MiniLM reads 256 word pieces; the heading is prepended). */
  maxTokens: number;
  /** Tokens of trailing sentences repeated at the start of the next chunk of the same section. */
  overlapTokens: number;
  /** A section shorter than this is merged into the next one under the same top heading. */
  minTokens: number;
}

export const DEFAULT_CHUNKER_OPTIONS: ChunkerOptions = {
  targetTokens: 150,
  maxTokens: 220,
  overlapTokens: 40,
  minTokens: 30,
};

/**
 * Splits sections into chunks of whole sentences. A chunk never spans two sections (its
 * heading path is exact), except that a tiny section (a heading with one line) joins the
 * following section of the same top-level heading.
 */
export class HeadingChunker {
  private readonly options: ChunkerOptions;

  constructor(options: Partial<ChunkerOptions> = {}) {
    this.options = { ...DEFAULT_CHUNKER_OPTIONS, ...options };
  }

  chunk(sections: readonly DocumentSection[]): DraftChunk[] {
    const chunks: DraftChunk[] = [];
    for (const section of this.mergeTiny(sections)) {
      for (const text of this.pack(section.text)) {
        chunks.push({
          ordinal: chunks.length,
          headingPath: section.headingPath,
          text,
          tokens: estimateTokens(text),
          ...(section.page ? { page: section.page } : {}),
        });
      }
    }
    return chunks;
  }

  private mergeTiny(sections: readonly DocumentSection[]): DocumentSection[] {
    const out: DocumentSection[] = [];
    let carry: DocumentSection | undefined;
    for (const section of sections) {
      let current = section;
      if (carry) {
        if (carry.headingPath[0] === section.headingPath[0] && carry.page === section.page) {
          // Most of the merged text sits under the later, more specific heading: cite that one.
          current = { ...section, text: `${carry.text}\n\n${section.text}` };
        } else {
          out.push(carry);
        }
        carry = undefined;
      }
      if (estimateTokens(current.text) < this.options.minTokens) carry = current;
      else out.push(current);
    }
    if (carry) out.push(carry);
    return out;
  }

  /** Packs sentences greedily; overlong sentences are cut at word boundaries. */
  private pack(text: string): string[] {
    const { targetTokens, maxTokens, overlapTokens } = this.options;
    const sentences = splitSentences(text).flatMap((s) => this.cutLong(s));
    const chunks: string[] = [];
    let current: { text: string; tokens: number }[] = [];
    let tokens = 0;
    let fresh = 0; // sentences in `current` that are not overlap from the previous chunk
    for (const sentence of sentences) {
      const t = estimateTokens(sentence);
      if (tokens + t > maxTokens && fresh > 0) {
        chunks.push(current.map((s) => s.text).join(' '));
        current = overlapTail(current, overlapTokens);
        tokens = current.reduce((sum, s) => sum + s.tokens, 0);
        fresh = 0;
      }
      current.push({ text: sentence, tokens: t });
      tokens += t;
      fresh += 1;
      if (tokens >= targetTokens) {
        chunks.push(current.map((s) => s.text).join(' '));
        current = overlapTail(current, overlapTokens);
        tokens = current.reduce((sum, s) => sum + s.tokens, 0);
        fresh = 0;
      }
    }
    if (fresh > 0) chunks.push(current.map((s) => s.text).join(' '));
    return chunks;
  }

  private cutLong(sentence: string): string[] {
    if (estimateTokens(sentence) <= this.options.maxTokens) return [sentence];
    const words = sentence.split(' ');
    const pieces: string[] = [];
    const perPiece = Math.max(1, Math.floor(this.options.targetTokens / 1.3));
    for (let i = 0; i < words.length; i += perPiece) {
      pieces.push(words.slice(i, i + perPiece).join(' '));
    }
    return pieces;
  }
}

/** The last sentences of a chunk, up to `budget` tokens, but never the whole chunk. */
function overlapTail<T extends { tokens: number }>(items: readonly T[], budget: number): T[] {
  const tail: T[] = [];
  let used = 0;
  for (let i = items.length - 1; i > 0; i -= 1) {
    const item = items[i];
    if (!item || used + item.tokens > budget) break;
    tail.unshift(item);
    used += item.tokens;
  }
  return tail;
}
