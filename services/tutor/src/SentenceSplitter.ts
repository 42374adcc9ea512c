import { isSentenceEnd } from '@lm/library';

export interface SentenceSplitterOptions {
  /**
   * The first sentence is cut at a clause boundary (comma, semicolon, colon, dash) once it is
   * this long, so speech can start before a long first sentence is finished.
   */
  firstClauseChars: number;
  /** Later sentences are cut at a clause boundary past this length (TTS chunks stay short). */
  maxChars: number;
}

const CLAUSE_END = /[,;:\u2014]\s|\s[\u2013-]\s/g;

/**
 * Turns a stream of tokens into speakable sentences as early as they are certain: a sentence
 * ends at `.`, `!` or `?` once the next character shows it is not an abbreviation or a
 * decimal point (so the end of the buffer waits for one more token, or for `flush()`).
 */
export class SentenceSplitter {
  private buffer = '';
  private emitted = 0;
  private readonly options: SentenceSplitterOptions;

  constructor(options: Partial<SentenceSplitterOptions> = {}) {
    this.options = { firstClauseChars: 60, maxChars: 220, ...options };
  }

  /** Adds a token; returns the sentences it completed (often none). */
  push(token: string): string[] {
    this.buffer += token;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const sentence = this.buffer.slice(0, cut).replace(/\s+/g, ' ').trim();
      this.buffer = this.buffer.slice(cut);
      if (sentence !== '') {
        out.push(sentence);
        this.emitted += 1;
      }
    }
    return out;
  }

  /** The rest of the text as a last sentence (end of the stream). */
  flush(): string[] {
    const rest = this.buffer.replace(/\s+/g, ' ').trim();
    this.buffer = '';
    if (rest === '') return [];
    this.emitted += 1;
    return [rest];
  }

  private findCut(): number {
    const text = this.buffer;
    // Only a mark followed by a character can be judged; the last character waits.
    for (let i = 0; i < text.length - 1; i += 1) {
      if (isSentenceEnd(text, i)) {
        let end = i + 1;
        while (end < text.length && /["'”’)\]]/.test(text[end] ?? '')) end += 1;
        // A citation marker right after the period belongs to this sentence: "... here. [2]"
        const marker = /^\s*(\[\d+\])+/.exec(text.slice(end));
        if (marker) {
          end += marker[0].length;
          if (end >= text.length) return -1; // more markers may follow
        }
        return end;
      }
      if (text[i] === '\n' && text[i + 1] === '\n') return i + 1;
    }
    const limit = this.emitted === 0 ? this.options.firstClauseChars : this.options.maxChars;
    if (text.length > limit) {
      let cut = -1;
      for (const match of text.matchAll(CLAUSE_END)) {
        const at = (match.index ?? 0) + match[0].length;
        // Cut at the last clause boundary that leaves at least a few words on each side.
        if (at >= 20 && at <= text.length - 1) cut = at;
      }
      return cut;
    }
    return -1;
  }
}

/**
 * The sentences a reply of exactly `text` is spoken in, streamed word by word (as the extractive
 * model yields it: a long first sentence is then cut at a clause, as in a live reply).
 */
export function spokenSentences(text: string): string[] {
  const splitter = new SentenceSplitter();
  const sentences = text.split(/(?<=\s)/).flatMap((word) => splitter.push(word));
  return [...sentences, ...splitter.flush()].map(speakable).filter(Boolean);
}

/** A sentence as it should be spoken: no citation markers, Markdown emphasis or stray brackets. */
export function speakable(sentence: string): string {
  return sentence
    .replace(/\s*\[\d+(?:\s*,\s*\d+)*\]/g, '')
    .replace(/[*_`#]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
