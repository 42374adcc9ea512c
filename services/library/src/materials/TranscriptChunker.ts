import { estimateTokens } from './sentences.js';

/** What the chunker needs of a stored final segment. */
export interface TimedText {
  text: string;
  startMs: number;
  endMs: number;
}

export interface TranscriptChunk {
  ordinal: number;
  text: string;
  tokens: number;
  startMs: number;
  endMs: number;
}

export interface TranscriptChunkerOptions {
  targetTokens: number;
  maxTokens: number;
  /** A pause this long between finals starts a new chunk (a new thought, usually). */
  pauseMs: number;
}

/**
 * Groups a lecture's finals into time-ordered chunks of about one embedder window. The last
 * final of a chunk is repeated at the start of the next one, so an answer that straddles a
 * boundary is still found whole in one of them. Citations point at a chunk's start time.
 */
export class TranscriptChunker {
  private readonly options: TranscriptChunkerOptions;

  constructor(options: Partial<TranscriptChunkerOptions> = {}) {
    this.options = { targetTokens: 150, maxTokens: 220, pauseMs: 4000, ...options };
  }

  chunk(finals: readonly TimedText[]): TranscriptChunk[] {
    const segments = finals
      .filter((f) => f.text.trim() !== '')
      .slice()
      .sort((a, b) => a.startMs - b.startMs);
    const chunks: TranscriptChunk[] = [];
    let current: TimedText[] = [];
    let tokens = 0;
    let fresh = 0;
    const close = () => {
      if (fresh === 0) return;
      const text = current.map((s) => s.text.trim()).join(' ');
      chunks.push({
        ordinal: chunks.length,
        text,
        tokens: estimateTokens(text),
        startMs: current[0]?.startMs ?? 0,
        endMs: current[current.length - 1]?.endMs ?? 0,
      });
    };
    for (const segment of segments) {
      const t = estimateTokens(segment.text);
      const previous = current[current.length - 1];
      const paused =
        previous !== undefined && segment.startMs - previous.endMs >= this.options.pauseMs;
      if (
        fresh > 0 &&
        (tokens + t > this.options.maxTokens || (paused && tokens >= this.options.targetTokens / 3))
      ) {
        close();
        const last = current[current.length - 1];
        current =
          last && !paused && estimateTokens(last.text) < this.options.targetTokens / 2
            ? [last]
            : [];
        tokens = current.reduce((sum, s) => sum + estimateTokens(s.text), 0);
        fresh = 0;
      }
      current.push(segment);
      tokens += t;
      fresh += 1;
      if (tokens >= this.options.targetTokens) {
        close();
        const last = current[current.length - 1];
        current = last && estimateTokens(last.text) < this.options.targetTokens / 2 ? [last] : [];
        tokens = current.reduce((sum, s) => sum + estimateTokens(s.text), 0);
        fresh = 0;
      }
    }
    close();
    return chunks;
  }
}

/** "mm:ss" or "h:mm:ss" of a lecture time. */
export function formatLectureTime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
