import { formatLectureTime, type SearchHit } from '@lm/library';
import type { Citation } from '@lm/proto/tutor/v1/tutor';
import type { GroundedPrompt, LlmMessage, Passage } from './Llm.js';

export interface PromptBuilderOptions {
  /** Passages given to the model: each costs prompt tokens, i.e. time to first token. */
  maxPassages: number;
  /** Characters of each passage kept (about 4 characters a token). */
  maxPassageChars: number;
  /** Earlier messages of the conversation kept for follow-up questions. */
  historyMessages: number;
  /** Characters of each earlier message kept. */
  maxHistoryChars: number;
}

export const DEFAULT_PROMPT_OPTIONS: PromptBuilderOptions = {
  maxPassages: 4,
  maxPassageChars: 900,
  historyMessages: 4,
  maxHistoryChars: 400,
};

export const SYSTEM_PROMPT = [
  "You are a patient tutor. Answer the student's question using only the numbered course passages below.",
  'Cite the passages you use with their number in brackets, like [1].',
  'If the passages do not contain the answer, say that the course materials do not cover it; do not guess.',
  'Your answer is read aloud: two to four short, plain sentences, no lists, no Markdown.',
].join(' ');

/** The label a citation is shown with: "Biology notes, Cells > Mitochondria" or "Lecture 3 at 12:05". */
export function citationLabel(citation: Citation): string {
  if (citation.kind === 'lecture')
    return `${citation.title} at ${formatLectureTime(citation.startMs)}`;
  return citation.heading ? `${citation.title}, ${citation.heading}` : citation.title;
}

export function citationOf(hit: SearchHit, excerptChars = 240): Citation {
  return {
    // The student's own notes are cited as such ("note"), not as the course's material.
    kind: hit.visibility === 'private' ? 'note' : hit.kind,
    sourceId: hit.kind === 'lecture' ? (hit.sessionId ?? hit.materialId) : hit.materialId,
    title: hit.title,
    heading: hit.heading || (hit.page ? `page ${hit.page}` : ''),
    startMs: hit.startMs ?? 0,
    excerpt: hit.text.length > excerptChars ? `${hit.text.slice(0, excerptChars - 1)}…` : hit.text,
  };
}

/** Builds the grounded prompt: system rules, numbered passages with their sources, history, question. */
export class PromptBuilder {
  readonly options: PromptBuilderOptions;

  constructor(options: Partial<PromptBuilderOptions> = {}) {
    this.options = { ...DEFAULT_PROMPT_OPTIONS, ...options };
  }

  build(
    question: string,
    hits: readonly SearchHit[],
    history: readonly LlmMessage[] = [],
  ): GroundedPrompt {
    const passages: Passage[] = hits.slice(0, this.options.maxPassages).map((hit, i) => ({
      number: i + 1,
      citation: citationOf(hit),
      text: clip(hit.text, this.options.maxPassageChars),
      similarity: hit.similarity,
    }));
    const context =
      passages.length === 0
        ? 'Course passages: none were found for this question.'
        : `Course passages:\n${passages.map((p) => `[${p.number}] (${citationLabel(p.citation)})\n${p.text}`).join('\n\n')}`;
    const earlier = history
      .filter((m) => m.role !== 'system')
      .slice(-this.options.historyMessages)
      .map((m) => ({ role: m.role, content: clip(m.content, this.options.maxHistoryChars) }));
    const messages: LlmMessage[] = [
      { role: 'system', content: `${SYSTEM_PROMPT}\n\n${context}` },
      ...earlier,
      { role: 'user', content: question.trim() },
    ];
    return { messages, question: question.trim(), passages };
  }
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const lastStop = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('? '), cut.lastIndexOf('! '));
  return lastStop > max / 2 ? cut.slice(0, lastStop + 1) : `${cut.trimEnd()}…`;
}
