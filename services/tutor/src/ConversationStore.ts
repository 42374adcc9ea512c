import { randomUUID } from 'node:crypto';
import { AppError } from '@lm/kit';
import type { Citation } from '@lm/proto/tutor/v1/tutor';
import type { TutorDb } from './tables.js';

export interface Conversation {
  id: string;
  userId: string;
  courseId: string;
  title: string;
  createdAt: string;
}

export interface StoredMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  spokenText: string | null;
  cancelled: boolean;
  turnId: string | null;
  createdAt: string;
}

export interface VoiceSessionRecord {
  sessionId: string;
  conversationId: string;
  userId: string;
  courseId: string;
  voiceId: string;
  endedAt: string | null;
}

/** Conversations, messages and tutoring sessions in Postgres (or PGlite). */
export class ConversationStore {
  constructor(private readonly db: TutorDb) {}

  async create(input: { userId: string; courseId: string; title?: string }): Promise<Conversation> {
    const row = await this.db
      .insertInto('conversations')
      .values({
        id: randomUUID(),
        user_id: input.userId,
        course_id: input.courseId,
        title: (input.title ?? '').slice(0, 200),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return conversation(row);
  }

  /** The user's conversation, or not_found (another user's conversation is not disclosed). */
  async get(id: string, userId: string): Promise<Conversation> {
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row || row.user_id !== userId) throw new AppError('not_found', `No conversation ${id}`);
    return conversation(row);
  }

  async list(userId: string, courseId?: string): Promise<Conversation[]> {
    let query = this.db.selectFrom('conversations').selectAll().where('user_id', '=', userId);
    if (courseId) query = query.where('course_id', '=', courseId);
    return (await query.orderBy('created_at', 'desc').orderBy('id').execute()).map(conversation);
  }

  async setTitleIfEmpty(id: string, title: string): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ title: title.slice(0, 200) })
      .where('id', '=', id)
      .where('title', '=', '')
      .execute();
  }

  async addMessage(input: {
    conversationId: string;
    role: 'user' | 'assistant';
    content: string;
    citations?: Citation[];
    cancelled?: boolean;
    turnId?: string;
  }): Promise<StoredMessage> {
    const row = await this.db
      .insertInto('messages')
      .values({
        id: randomUUID(),
        conversation_id: input.conversationId,
        role: input.role,
        content: input.content,
        citations: JSON.stringify(input.citations ?? []),
        spoken_text: null,
        cancelled: input.cancelled ?? false,
        turn_id: input.turnId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return message(row);
  }

  /** Records what of a turn's reply was played to the student. */
  async setSpoken(turnId: string, spokenText: string): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set({ spoken_text: spokenText })
      .where('turn_id', '=', turnId)
      .where('role', '=', 'assistant')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The turn's reply was cut short after it was generated (barge-in while it was spoken). */
  async markCancelled(turnId: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ cancelled: true })
      .where('turn_id', '=', turnId)
      .where('role', '=', 'assistant')
      .execute();
  }

  /** Messages oldest first; `limit` keeps the newest ones. */
  async messages(
    conversationId: string,
    options: { limit?: number } = {},
  ): Promise<StoredMessage[]> {
    let query = this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
    if (options.limit) query = query.limit(options.limit);
    return (await query.execute()).map(message).reverse();
  }

  async openSession(record: Omit<VoiceSessionRecord, 'endedAt'>): Promise<void> {
    await this.db
      .insertInto('tutor_sessions')
      .values({
        session_id: record.sessionId,
        conversation_id: record.conversationId,
        user_id: record.userId,
        course_id: record.courseId,
        voice_id: record.voiceId,
        ended_at: null,
      })
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({
          conversation_id: record.conversationId,
          user_id: record.userId,
          course_id: record.courseId,
          voice_id: record.voiceId,
          ended_at: null,
        }),
      )
      .execute();
  }

  async session(sessionId: string): Promise<VoiceSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('tutor_sessions')
      .selectAll()
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      sessionId: row.session_id,
      conversationId: row.conversation_id,
      userId: row.user_id,
      courseId: row.course_id,
      voiceId: row.voice_id,
      endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
    };
  }

  async endSession(sessionId: string): Promise<void> {
    await this.db
      .updateTable('tutor_sessions')
      .set({ ended_at: new Date() })
      .where('session_id', '=', sessionId)
      .execute();
  }
}

function conversation(row: {
  id: string;
  user_id: string;
  course_id: string;
  title: string;
  created_at: Date;
}): Conversation {
  return {
    id: row.id,
    userId: row.user_id,
    courseId: row.course_id,
    title: row.title,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function message(row: {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: unknown;
  spoken_text: string | null;
  cancelled: boolean;
  turn_id: string | null;
  created_at: Date;
}): StoredMessage {
  const citations: unknown =
    typeof row.citations === 'string' ? JSON.parse(row.citations) : row.citations;
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    citations: Array.isArray(citations) ? (citations as Citation[]) : [],
    spokenText: row.spoken_text,
    cancelled: row.cancelled,
    turnId: row.turn_id,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
