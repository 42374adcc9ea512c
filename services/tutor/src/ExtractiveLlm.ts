import { splitSentences, type Embedder } from '@lm/library';
import type { GroundedPrompt, Llm, LlmStreamOptions, Passage } from './Llm.js';

export interface ExtractiveLlmOptions {
  /** Sentences quoted at most. */
  maxSentences: number;
  /** Words quoted at most (the answer is spoken: keep it short). */
  maxWords: number;
  /** Below this combined score the materials are taken not to answer the question. */
  minScore: number;
}

export const EXTRACTIVE_LEAD_IN = 'Here is what your course materials say.';
export const EXTRACTIVE_NOT_FOUND =
  'I could not find this in your course materials, so I will not guess. Try asking in other words, or upload notes that cover it.';

interface Candidate {
  passage: Passage;
  index: number;
  text: string;
  score: number;
}

const STOPWORDS = new Set(
  (
    'a an and are as at be by can could did do does for from had has have how i if in into is it its ' +
    'me my not of on or our so than that the their them then there these they this to was were what ' +
    'when where which who whom why will with would you your about explain tell describe mean means'
  ).split(' '),
);

/**
 * The embedded default "model": it answers by quoting the sentences of the retrieved passages
 * that are closest to the question (sentence embeddings plus shared words), says that it is
 * quoting, and cites each quote. It never writes a claim of its own, so it cannot invent one;
 * when nothing is close enough it says the materials do not cover the question.
 */
export class ExtractiveLlm implements Llm {
  readonly name: string;
  readonly citesExplicitly = true;
  readonly stockPhrases = [EXTRACTIVE_LEAD_IN, EXTRACTIVE_NOT_FOUND];
  private readonly options: ExtractiveLlmOptions;

  constructor(
    private readonly embedder?: Embedder,
    options: Partial<ExtractiveLlmOptions> = {},
  ) {
    this.name = `extractive:${embedder?.modelId ?? 'lexical'}`;
    this.options = { maxSentences: 3, maxWords: 70, minScore: 0.35, ...options };
  }

  async *stream(prompt: GroundedPrompt, options: LlmStreamOptions = {}): AsyncIterable<string> {
    const answer = await this.answer(prompt);
    if (options.signal?.aborted) return;
    // Word by word, like a generative model's tokens, so the rest of the pipeline is the same.
    const words = answer.split(/(?<=\s)/);
    for (const word of words) {
      if (options.signal?.aborted) return;
      yield word;
    }
  }

  /** The whole answer text (the stream yields it word by word). */
  async answer(prompt: GroundedPrompt): Promise<string> {
    const chosen = await this.select(prompt);
    if (chosen.length === 0) return EXTRACTIVE_NOT_FOUND;
    return [EXTRACTIVE_LEAD_IN, ...chosen.map((c) => `${c.text} [${c.passage.number}]`)].join(' ');
  }

  private async select(prompt: GroundedPrompt): Promise<Candidate[]> {
    const candidates: Candidate[] = prompt.passages.flatMap((passage) =>
      splitSentences(passage.text)
        .filter((text) => wordCount(text) >= 4)
        .map((text, index) => ({ passage, index, text, score: 0 })),
    );
    if (candidates.length === 0) return [];
    const questionTerms = terms(prompt.question);
    let similarities: number[] = candidates.map(() => 0);
    if (this.embedder) {
      const vectors = await this.embedder.embed([
        prompt.question,
        ...candidates.map((c) => c.text),
      ]);
      const q = vectors[0];
      if (q) similarities = candidates.map((_, i) => dot(q, vectors[i + 1]));
    }
    for (const [i, candidate] of candidates.entries()) {
      const overlap =
        questionTerms.size === 0
          ? 0
          : shared(questionTerms, terms(candidate.text)) / questionTerms.size;
      // Without an embedder, shared words are all there is; with one, they refine it.
      const similarity = similarities[i] ?? 0;
      candidate.score = this.embedder ? similarity + 0.25 * overlap : overlap;
      // Retrieval already ranked the passages: a small prior for the better ones.
      candidate.score += 0.02 * (prompt.passages.length - candidate.passage.number);
    }
    const ranked = [...candidates].sort((a, b) => b.score - a.score);
    const best = ranked[0];
    if (!best || best.score < this.options.minScore) return [];
    const chosen: Candidate[] = [];
    let words = 0;
    for (const candidate of ranked) {
      if (chosen.length >= this.options.maxSentences) break;
      if (candidate.score < best.score * 0.8) break;
      if (chosen.some((c) => c.text === candidate.text)) continue; // overlapping chunks repeat sentences
      const n = wordCount(candidate.text);
      if (chosen.length > 0 && words + n > this.options.maxWords) continue;
      chosen.push(candidate);
      words += n;
    }
    // Quotes read best in the order they were written.
    return chosen.sort((a, b) => a.passage.number - b.passage.number || a.index - b.index);
  }
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Content words, crudely stemmed (plural and -ing/-ed endings), for overlap counting. */
function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOPWORDS.has(raw) || raw.length < 3) continue;
    out.add(raw.replace(/(ing|ed|es|s)$/, ''));
  }
  return out;
}

function shared(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const t of a) if (b.has(t)) n += 1;
  return n;
}

function dot(a: Float32Array, b: Float32Array | undefined): number {
  if (!b) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}
