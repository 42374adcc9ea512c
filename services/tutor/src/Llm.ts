import type { Citation } from '@lm/proto/tutor/v1/tutor';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A retrieved passage as the model sees it: numbered, with what its citation says. */
export interface Passage {
  /** 1-based; the answer cites it as `[n]`. */
  number: number;
  citation: Citation;
  text: string;
  /** Cosine similarity of the passage to the question, when known. */
  similarity: number | null;
}

/**
 * Everything a model needs for one grounded answer. Generative models read `messages` (the
 * rendered prompt); the extractive one reads `question` and `passages` directly.
 */
export interface GroundedPrompt {
  messages: LlmMessage[];
  question: string;
  passages: Passage[];
}

export interface LlmStreamOptions {
  /** Aborting stops generation (barge-in); the stream then ends without an error. */
  signal?: AbortSignal;
  maxTokens?: number;
}

/** A language model that streams its answer as text pieces (tokens or words). */
export interface Llm {
  /** For logs and the status page: "ollama:llama3.2:1b", "extractive:minilm-l6-v2". */
  readonly name: string;
  /** True when every claim of an answer carries its [n] marker (then no marker means no source). */
  readonly citesExplicitly?: boolean;
  /**
   * Text this model says often word for word (a fixed lead-in): speech can be made of it ahead
   * of time, so a reply that starts with it starts playing at once.
   */
  readonly stockPhrases?: readonly string[];
  stream(prompt: GroundedPrompt, options?: LlmStreamOptions): AsyncIterable<string>;
  close?(): Promise<void>;
}
