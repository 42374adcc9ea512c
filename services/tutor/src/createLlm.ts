import type { Embedder } from '@lm/library';
import type { Logger } from '@lm/kit';
import { ExtractiveLlm } from './ExtractiveLlm.js';
import type { Llm } from './Llm.js';
import { OllamaLlm } from './OllamaLlm.js';

/**
 * Ollama when OLLAMA_URL is set (model OLLAMA_MODEL); else the embedded default, the
 * extractive tutor, which quotes the course materials (the model cache carries no
 * instruction-tuned LLM that runs here; see docs/decisions/0014-extractive-embedded-tutor.md).
 */
export function createLlm(options: {
  ollamaUrl?: string | undefined;
  ollamaModel?: string | undefined;
  embedder?: Embedder | undefined;
  logger: Logger;
}): Llm {
  if (options.ollamaUrl) {
    const llm = new OllamaLlm({
      url: options.ollamaUrl,
      model: options.ollamaModel || 'llama3.2:1b',
    });
    options.logger.info({ llm: llm.name }, 'tutor answers with Ollama');
    return llm;
  }
  const llm = new ExtractiveLlm(options.embedder);
  options.logger.info(
    { llm: llm.name },
    'tutor answers by quoting the course materials (no OLLAMA_URL)',
  );
  return llm;
}
