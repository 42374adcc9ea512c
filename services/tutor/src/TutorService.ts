import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@lm/kit';
import type { SearchHit } from '@lm/library';
import {
  TurnSource,
  type Citation,
  type ReplyChunk,
  type TutorTurn,
} from '@lm/proto/tutor/v1/tutor';
import type { Conversation, ConversationStore, StoredMessage } from './ConversationStore.js';
import type { Llm, LlmMessage } from './Llm.js';
import { PromptBuilder } from './PromptBuilder.js';
import { SentenceSplitter, speakable } from './SentenceSplitter.js';

/** What the tutor needs of the materials library. */
export interface PassageRetriever {
  search(
    query: string,
    /** `viewerId`: the student asking; their own private notes are searched too. */
    options: { courseIds: readonly string[]; viewerId?: string; limit?: number },
  ): Promise<SearchHit[]>;
}

/** Where the time of one reply went, from the start of the reply (ms). */
export interface ReplyTimings {
  retrievalMs: number;
  firstTokenMs: number | null;
  firstSentenceMs: number | null;
  totalMs: number;
  cancelled: boolean;
}

export interface TutorServiceDeps {
  store: ConversationStore;
  retriever: PassageRetriever;
  llm: Llm;
  logger: Logger;
  prompt?: PromptBuilder;
  /** Passages retrieved per question (the prompt uses up to its own maximum of them). */
  retrievalLimit?: number;
  maxAnswerTokens?: number;
}

export interface ChatInput {
  userId: string;
  courseId: string;
  /** Empty: a new conversation is started (its id is on every chunk). */
  conversationId?: string;
  text: string;
}

export const MAX_QUESTION_CHARS = 2000;

/**
 * The tutor: a question (typed or spoken) becomes a grounded, cited answer, streamed as
 * token chunks, sentence chunks (ready to speak, as early as possible) and a done chunk with
 * the citations; an aborted signal ends it with a cancelled chunk. Both sides of the
 * exchange are stored, the reply with whatever of it was produced.
 */
export class TutorService {
  private readonly prompt: PromptBuilder;

  constructor(private readonly deps: TutorServiceDeps) {
    this.prompt = deps.prompt ?? new PromptBuilder();
  }

  get llmName(): string {
    return this.deps.llm.name;
  }

  createConversation(input: {
    userId: string;
    courseId: string;
    title?: string;
  }): Promise<Conversation> {
    requireText('userId', input.userId, 200);
    requireText('courseId', input.courseId, 200);
    return this.deps.store.create(input);
  }

  listConversations(userId: string, courseId?: string): Promise<Conversation[]> {
    return this.deps.store.list(userId, courseId);
  }

  async messages(conversationId: string, userId: string): Promise<StoredMessage[]> {
    await this.deps.store.get(conversationId, userId);
    return this.deps.store.messages(conversationId);
  }

  /** Text chat: checks the conversation belongs to the user (or starts one), then replies. */
  async *chat(input: ChatInput, signal?: AbortSignal): AsyncGenerator<ReplyChunk> {
    requireText('text', input.text, MAX_QUESTION_CHARS);
    requireText('courseId', input.courseId, 200);
    const conversation = input.conversationId
      ? await this.deps.store.get(input.conversationId, input.userId)
      : await this.deps.store.create({ userId: input.userId, courseId: input.courseId });
    if (conversation.courseId !== input.courseId) {
      throw new AppError(
        'invalid_argument',
        `Conversation ${conversation.id} belongs to another course`,
      );
    }
    yield* this.reply(
      {
        conversationId: conversation.id,
        turnId: randomUUID(),
        courseId: conversation.courseId,
        userId: input.userId,
        text: input.text,
        source: TurnSource.TURN_SOURCE_TEXT,
        sessionId: '',
        endedAtMs: Date.now(),
      },
      { ...(signal ? { signal } : {}) },
    );
  }

  /**
   * One turn's reply. The turn's conversation must exist (voice sessions and chat make sure).
   * Never throws after the first chunk: a failure mid-way ends with a cancelled chunk.
   */
  async *reply(
    turn: TutorTurn,
    options: {
      signal?: AbortSignal;
      onTimings?: (timings: ReplyTimings) => void;
      /**
       * A speculative reply (prepared while the student may still go on): nothing is stored
       * until this resolves. True: the question and the reply are stored as usual once the
       * reply is complete; false: the turn never happened, nothing is stored or yielded more.
       */
      confirmation?: Promise<boolean>;
    } = {},
  ): AsyncGenerator<ReplyChunk> {
    const { signal } = options;
    const started = performance.now();
    const log = this.deps.logger.child({
      conversation: turn.conversationId,
      turn: turn.turnId,
      session: turn.sessionId || undefined,
    });
    let sequence = 0;
    const chunk = (body: ReplyChunk['body']): ReplyChunk => ({
      conversationId: turn.conversationId,
      turnId: turn.turnId,
      sequence: sequence++,
      body,
      sessionId: turn.sessionId,
      emittedAtMs: Date.now(),
    });
    const timings: ReplyTimings = {
      retrievalMs: 0,
      firstTokenMs: null,
      firstSentenceMs: null,
      totalMs: 0,
      cancelled: false,
    };

    const history = await this.history(turn.conversationId);
    const storeQuestion = async () => {
      await this.deps.store.addMessage({
        conversationId: turn.conversationId,
        role: 'user',
        content: turn.text,
        turnId: turn.turnId,
      });
      if (history.length === 0)
        await this.deps.store.setTitleIfEmpty(turn.conversationId, turn.text);
    };
    if (!options.confirmation) await storeQuestion();

    let text = '';
    let passages: ReturnType<PromptBuilder['build']>['passages'] = [];
    let failure: string | undefined;
    try {
      // The question alone retrieves badly for follow-ups ("and why?"): add the last question.
      const lastQuestion = [...history].reverse().find((m) => m.role === 'user')?.content ?? '';
      const query =
        turn.text.split(/\s+/).length < 5 && lastQuestion
          ? `${lastQuestion} ${turn.text}`
          : turn.text;
      // The course's materials and the asking student's own notes, never another student's.
      const hits = await this.deps.retriever.search(query, {
        courseIds: [turn.courseId],
        viewerId: turn.userId,
        limit: this.deps.retrievalLimit ?? this.prompt.options.maxPassages,
      });
      timings.retrievalMs = performance.now() - started;
      const prompt = this.prompt.build(turn.text, hits, history);
      passages = prompt.passages;
      const splitter = new SentenceSplitter();
      if (!signal?.aborted) {
        for await (const token of this.deps.llm.stream(prompt, {
          ...(signal ? { signal } : {}),
          ...(this.deps.maxAnswerTokens ? { maxTokens: this.deps.maxAnswerTokens } : {}),
        })) {
          if (signal?.aborted) break;
          timings.firstTokenMs ??= performance.now() - started;
          text += token;
          yield chunk({ $case: 'token', value: token });
          for (const sentence of splitter.push(token).map(speakable).filter(Boolean)) {
            timings.firstSentenceMs ??= performance.now() - started;
            yield chunk({ $case: 'sentence', value: sentence });
          }
        }
      }
      if (!signal?.aborted) {
        for (const sentence of splitter.flush().map(speakable).filter(Boolean)) {
          timings.firstSentenceMs ??= performance.now() - started;
          yield chunk({ $case: 'sentence', value: sentence });
        }
      }
    } catch (error) {
      if (!signal?.aborted) {
        failure = AppError.from(error).message;
        log.error({ err: error }, 'reply failed');
      }
    }
    timings.totalMs = performance.now() - started;
    const cancelled = signal?.aborted === true || failure !== undefined;
    timings.cancelled = cancelled;
    if (options.confirmation) {
      if (!(await options.confirmation)) return;
      await storeQuestion();
    }
    const citations = citedPassages(text, passages, this.deps.llm.citesExplicitly !== true);
    await this.deps.store.addMessage({
      conversationId: turn.conversationId,
      role: 'assistant',
      content: text,
      citations,
      cancelled,
      turnId: turn.turnId,
    });
    options.onTimings?.(timings);
    log.info(
      { ...roundTimings(timings), llm: this.deps.llm.name, passages: passages.length },
      'reply finished',
    );
    if (cancelled) {
      const reason = failure ? `failed: ${failure}` : reasonOf(signal);
      yield chunk({ $case: 'cancelled', value: { reason } });
    } else {
      yield chunk({ $case: 'done', value: { text, citations } });
    }
  }

  private async history(conversationId: string): Promise<LlmMessage[]> {
    const messages = await this.deps.store.messages(conversationId, {
      limit: this.prompt.options.historyMessages,
    });
    // A reply cut short by barge-in is remembered as what the student actually heard.
    return messages.map((m) => ({ role: m.role, content: m.spokenText ?? m.content }));
  }
}

/**
 * The passages the answer cites as [n]. A model that may forget to cite (`allWhenNone`) gets
 * every passage it was given (its answer rested on them); one that always cites gets none.
 */
export function citedPassages(
  text: string,
  passages: readonly { number: number; citation: Citation }[],
  allWhenNone = true,
): Citation[] {
  const cited = new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  const chosen =
    cited.size > 0 || !allWhenNone ? passages.filter((p) => cited.has(p.number)) : passages;
  return chosen.map((p) => p.citation);
}

function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'cancelled';
}

function requireText(name: string, value: string | undefined, max: number): void {
  if (typeof value !== 'string' || value.trim() === '')
    throw new AppError('invalid_argument', `${name} is required`);
  if (value.length > max)
    throw new AppError('invalid_argument', `${name} is longer than ${max} characters`);
}

function roundTimings(t: ReplyTimings): Record<string, number | boolean | null> {
  const r = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    retrievalMs: r(t.retrievalMs),
    firstTokenMs: r(t.firstTokenMs),
    firstSentenceMs: r(t.firstSentenceMs),
    totalMs: r(t.totalMs),
    cancelled: t.cancelled,
  };
}
