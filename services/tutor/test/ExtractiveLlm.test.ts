import { describe, expect, it } from 'vitest';
import { EXTRACTIVE_LEAD_IN, EXTRACTIVE_NOT_FOUND, ExtractiveLlm } from '../src/ExtractiveLlm.js';
import type { GroundedPrompt, Passage } from '../src/Llm.js';

const passage = (number: number, text: string): Passage => ({
  number,
  text,
  similarity: null,
  citation: {
    kind: 'material',
    sourceId: `m${number}`,
    title: 'Notes',
    heading: '',
    startMs: 0,
    excerpt: '',
  },
});

function prompt(question: string, passages: Passage[]): GroundedPrompt {
  return { question, passages, messages: [] };
}

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const t of stream) text += t;
  return text;
}

// Without an embedder the extractive model ranks by shared words only (the integration test
// runs it with the real sentence embedder).
describe('ExtractiveLlm (lexical)', () => {
  it('quotes the sentence that answers, says it is quoting, and cites it', async () => {
    const llm = new ExtractiveLlm();
    const text = await collect(
      llm.stream(
        prompt('Where does the Calvin cycle take place?', [
          passage(
            1,
            'Photosynthesis has two stages. The Calvin cycle takes place in the stroma of the chloroplast. Light reactions happen in the thylakoids.',
          ),
          passage(2, 'Mitochondria produce ATP by respiration.'),
        ]),
      ),
    );
    expect(text.startsWith(EXTRACTIVE_LEAD_IN)).toBe(true);
    expect(text).toContain('The Calvin cycle takes place in the stroma of the chloroplast. [1]');
    expect(text).not.toContain('[2]');
  });

  it('says the materials do not cover a question instead of guessing', async () => {
    const llm = new ExtractiveLlm();
    const text = await collect(
      llm.stream(
        prompt('Who won the football match?', [
          passage(1, 'Enzymes lower the activation energy of reactions.'),
        ]),
      ),
    );
    expect(text).toBe(EXTRACTIVE_NOT_FOUND);
    expect(await collect(llm.stream(prompt('Anything?', [])))).toBe(EXTRACTIVE_NOT_FOUND);
  });

  it('stops streaming when aborted', async () => {
    const llm = new ExtractiveLlm();
    const controller = new AbortController();
    let words = 0;
    for await (const _ of llm.stream(
      prompt('Where does the Calvin cycle take place?', [
        passage(1, 'The Calvin cycle takes place in the stroma.'),
      ]),
      { signal: controller.signal },
    )) {
      words += 1;
      if (words === 3) controller.abort();
    }
    expect(words).toBe(3);
  });
});
