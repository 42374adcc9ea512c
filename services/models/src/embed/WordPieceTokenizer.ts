/**
 * BERT's uncased WordPiece tokenizer, from a vocab.txt: lower-case, strip accents, split on
 * whitespace, punctuation and CJK characters, then greedy longest-match sub-words with `##`
 * continuations. Same rules as the reference BertTokenizer (do_lower_case=true).
 */
export interface Encoding {
  ids: number[];
  tokens: string[];
}

const MAX_WORD_CHARS = 100;

function isPunctuation(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  // BERT treats all non-letter/number ASCII as punctuation, plus Unicode P* classes.
  if (
    (c >= 33 && c <= 47) ||
    (c >= 58 && c <= 64) ||
    (c >= 91 && c <= 96) ||
    (c >= 123 && c <= 126)
  )
    return true;
  return /\p{P}/u.test(ch);
}

function isCjk(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x20000 && c <= 0x2a6df) ||
    (c >= 0x2a700 && c <= 0x2b73f) ||
    (c >= 0x2b740 && c <= 0x2b81f) ||
    (c >= 0x2b820 && c <= 0x2ceaf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x2f800 && c <= 0x2fa1f)
  );
}

export class WordPieceTokenizer {
  private readonly vocab = new Map<string, number>();
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  readonly padId: number;

  constructor(vocabText: string) {
    vocabText.split('\n').forEach((line, i) => {
      const token = line.replace(/\r$/, '');
      if (token.length > 0 && !this.vocab.has(token)) this.vocab.set(token, i);
    });
    const id = (t: string): number => {
      const v = this.vocab.get(t);
      if (v === undefined) throw new Error(`vocabulary has no ${t} token`);
      return v;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.unkId = id('[UNK]');
    this.padId = id('[PAD]');
  }

  get size(): number {
    return this.vocab.size;
  }

  /** Words after BERT's basic tokenization. */
  basicTokens(text: string): string[] {
    const cleaned = text
      .toLowerCase()
      .normalize('NFD')
      .replace(/\p{Mn}/gu, '')
      // BERT drops NUL, U+FFFD and control characters (tab and newlines count as spaces).
      .replace(/[\t\n\r]/g, ' ')
      .replace(/[\p{Cc}\ufffd]/gu, '');
    const out: string[] = [];
    let word = '';
    const flush = (): void => {
      if (word) out.push(word);
      word = '';
    };
    for (const ch of cleaned) {
      if (/\s/u.test(ch)) flush();
      else if (isPunctuation(ch) || isCjk(ch)) {
        flush();
        out.push(ch);
      } else word += ch;
    }
    flush();
    return out;
  }

  private wordPieces(word: string): string[] {
    const chars = [...word];
    if (chars.length > MAX_WORD_CHARS) return ['[UNK]'];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | undefined;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.vocab.has(piece)) {
          found = piece;
          break;
        }
        end--;
      }
      if (found === undefined) return ['[UNK]'];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  /** [CLS] tokens [SEP], truncated to maxLength tokens in all. */
  encode(text: string, maxLength = 256): Encoding {
    const tokens = ['[CLS]'];
    for (const word of this.basicTokens(text)) {
      for (const piece of this.wordPieces(word)) tokens.push(piece);
    }
    const kept = tokens.slice(0, maxLength - 1);
    kept.push('[SEP]');
    return { tokens: kept, ids: kept.map((t) => this.vocab.get(t) ?? this.unkId) };
  }
}
