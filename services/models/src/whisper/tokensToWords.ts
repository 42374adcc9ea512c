import type { RecognizedWord, TimedToken } from './types.js';

/**
 * Groups whisper's byte-level BPE tokens into words: a token that starts with a space starts a
 * new word; a token of punctuation alone is glued to the word before it. Special tokens
 * ([_BEG_], [_TT_123], <|endoftext|>, ...) are dropped by id (they all sit at or above `eot`).
 */
export function tokensToWords(tokens: TimedToken[], eot: number): RecognizedWord[] {
  const words: { text: string; startMs: number; endMs: number; ps: number[] }[] = [];
  for (const token of tokens) {
    if (token.id >= eot || token.text.length === 0) continue;
    const last = words.at(-1);
    const punctuationOnly = /^[\p{P}\p{S}]+$/u.test(token.text);
    if (last && (!token.text.startsWith(' ') || punctuationOnly)) {
      last.text += token.text;
      last.endMs = Math.max(last.endMs, token.endMs);
      if (!punctuationOnly) last.ps.push(token.p);
      continue;
    }
    words.push({ text: token.text, startMs: token.startMs, endMs: token.endMs, ps: [token.p] });
  }
  return words
    .map((w) => ({
      text: w.text.trim(),
      startMs: w.startMs,
      endMs: Math.max(w.startMs, w.endMs),
      confidence: w.ps.reduce((a, b) => a + b, 0) / Math.max(1, w.ps.length),
    }))
    .filter((w) => w.text.length > 0);
}
