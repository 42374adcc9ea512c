/**
 * Sentence boundaries for English study text, shared by the chunker (packing sentences into
 * chunks) and the tutor (speaking and quoting sentences). Abbreviations and decimals are not
 * boundaries; the check is deliberately simple and predictable rather than clever.
 */

/** Lower-cased words that end with a period but do not end a sentence. */
export const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'vs',
  'cf',
  'al',
  'approx',
  'fig',
  'no',
  'dr',
  'mr',
  'mrs',
  'ms',
  'prof',
  'st',
  'jr',
  'sr',
  'ca',
  'p',
  'pp',
  'vol',
  'ch',
  'sec',
  'eq',
]);

/**
 * Whether a `.`, `!` or `?` at `index` of `text` ends a sentence, judging only what precedes
 * it and the character after it (which must be whitespace or the end of the text).
 */
export function isSentenceEnd(text: string, index: number): boolean {
  const mark = text[index];
  if (mark !== '.' && mark !== '!' && mark !== '?') return false;
  const next = text[index + 1];
  if (next !== undefined && !/\s|["'”’)\]]/.test(next)) return false;
  if (mark !== '.') return true;
  // The word before the period: an abbreviation, an initial ("J.") or a list number ("2.") is not an end.
  const before = /([\p{L}\p{N}.]+)$/u.exec(text.slice(0, index))?.[1] ?? '';
  const word = before.toLowerCase();
  if (ABBREVIATIONS.has(word)) return false;
  if (/^\p{Lu}$/u.test(before)) return false;
  if (/^\d{1,2}$/.test(before) && /(^|\n)\s*\d{1,2}$/.test(text.slice(0, index))) return false;
  return true;
}

/** Splits text into trimmed sentences; newlines that separate blocks also end sentences. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    let end = -1;
    if (char === '\n' && text[i + 1] === '\n') end = i + 1;
    else if (isSentenceEnd(text, i)) {
      end = i + 1;
      // Keep closing quotes and brackets with their sentence.
      while (end < text.length && /["'”’)\]]/.test(text[end] ?? '')) end += 1;
    }
    if (end < 0) continue;
    const sentence = text.slice(start, end).replace(/\s+/g, ' ').trim();
    if (sentence !== '') sentences.push(sentence);
    start = end;
    i = end - 1;
  }
  const rest = text.slice(start).replace(/\s+/g, ' ').trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}

/**
 * Estimated model tokens of a text: MiniLM's WordPiece vocabulary gives about 1.3 tokens per
 * English word. Exact counts would need the tokenizer, which chunking does not otherwise need.
 */
export function estimateTokens(text: string): number {
  const words = text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
  return Math.ceil(words * 1.15);
}
