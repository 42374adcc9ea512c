import { AppError } from '@lm/kit';
import { Ollama, type AbortableAsyncIterator, type ChatResponse } from 'ollama';
import type { GroundedPrompt, Llm, LlmStreamOptions } from './Llm.js';

export interface OllamaLlmOptions {
  url: string;
  model: string;
  /** Sampling temperature; low keeps answers close to the passages. */
  temperature?: number;
  /** Context window asked of the server (prompt + answer tokens). */
  contextTokens?: number;
  /** How long the server keeps the model loaded between turns (a cold load costs seconds). */
  keepAlive?: string;
}

/** A model served by Ollama (`OLLAMA_URL`, `OLLAMA_MODEL`), streamed token by token. */
export class OllamaLlm implements Llm {
  readonly name: string;
  private readonly client: Ollama;

  constructor(private readonly options: OllamaLlmOptions) {
    this.name = `ollama:${options.model}`;
    this.client = new Ollama({ host: options.url });
  }

  async *stream(prompt: GroundedPrompt, options: LlmStreamOptions = {}): AsyncIterable<string> {
    const { signal } = options;
    if (signal?.aborted) return;
    let response: AbortableAsyncIterator<ChatResponse>;
    try {
      response = await this.client.chat({
        model: this.options.model,
        messages: prompt.messages,
        stream: true,
        keep_alive: this.options.keepAlive ?? '30m',
        options: {
          temperature: this.options.temperature ?? 0.2,
          num_ctx: this.options.contextTokens ?? 4096,
          ...(options.maxTokens ? { num_predict: options.maxTokens } : {}),
        },
      });
    } catch (error) {
      throw new AppError('unavailable', `Ollama did not answer: ${describe(error)}`, {
        cause: error,
      });
    }
    // abort() on the iterator cancels this one HTTP request (Ollama stops generating).
    const onAbort = () => response.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const part of response) {
        if (signal?.aborted) return;
        if (part.message.content) yield part.message.content;
        if (part.done) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw new AppError('unavailable', `Ollama stream failed: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
