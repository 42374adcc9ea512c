import type { ColumnType, Kysely } from 'kysely';

/** The seed's interaction schema (migration 'tutor_conversations' in @lm/db). */
export interface ConversationsTable {
  id: string;
  user_id: string;
  course_id: string;
  title: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  /** Citation[] as JSON (assistant messages). */
  citations: ColumnType<unknown, string, string>;
  /** What was actually spoken of an assistant reply (voice); null for text chat. */
  spoken_text: string | null;
  /** The reply was cut short (barge-in or a failure). */
  cancelled: boolean;
  /** The tutor turn the message belongs to (a question and its reply share it). */
  turn_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** A tutoring room: which conversation a live session's speech belongs to. */
export interface TutorSessionsTable {
  session_id: string;
  conversation_id: string;
  user_id: string;
  course_id: string;
  voice_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  ended_at: Date | null;
}

export interface TutorTables {
  conversations: ConversationsTable;
  messages: MessagesTable;
  tutor_sessions: TutorSessionsTable;
}

export type TutorDb = Kysely<TutorTables>;

/** The tutor's view of the shared database handle (its tables come from its own migration). */
export function tutorDb<DB>(db: Kysely<DB>): TutorDb {
  return db as unknown as TutorDb;
}
