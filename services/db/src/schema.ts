import type { ColumnType, Generated } from 'kysely';

/** Timestamps come back as Date objects from both node-postgres and PGlite. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** jsonb columns: written as JSON text, read back as parsed values. */
type Json<T> = ColumnType<T, string, string>;

export interface LiveSessionsTable {
  id: string;
  course_id: string | null;
  title: string;
  kind: 'lecture' | 'tutoring';
  status: 'live' | 'ended';
  created_by: string;
  started_at: CreatedAt;
  ended_at: NullableTimestamp;
}

export interface TranscriptSegmentsTable {
  session_id: string;
  segment_index: number;
  revision: number;
  text: string;
  words: Json<{ text: string; startMs: number; endMs: number; confidence: number }[]>;
  start_ms: number;
  end_ms: number;
  language: string;
  created_at: CreatedAt;
}

export interface TranscriberCheckpointsTable {
  session_id: string;
  stream_id: string;
  next_segment_index: number;
  finalised_until_ms: number;
  ended: boolean;
  /** JSON of the finals written ahead of their publish (TranscriptSegment.toJSON); null: none. */
  pending_finals: ColumnType<unknown[] | null, string | null | undefined, string | null>;
  updated_at: Timestamp;
}

export interface RecordingsTable {
  id: string;
  /** The transcript of a recording is stored as the transcript of this session. */
  session_id: string;
  course_id: string | null;
  owner_id: string;
  title: string;
  content_type: string;
  size_bytes: number;
  duration_ms: number | null;
  storage_path: string;
  created_at: CreatedAt;
}

export interface JobsTable {
  id: string;
  kind: 'transcribe_recording' | 'index_material' | 'index_transcript';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  subject_id: string;
  course_id: string | null;
  owner_id: string;
  progress: number;
  attempt: number;
  error_code: string | null;
  error_message: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Every table, for Kysely's typed queries. Migrations of later features add theirs here. */
export interface Database extends IdentityTables {
  live_sessions: LiveSessionsTable;
  transcript_segments: TranscriptSegmentsTable;
  transcriber_checkpoints: TranscriberCheckpointsTable;
  recordings: RecordingsTable;
  jobs: JobsTable;
}

export type { Generated };

// Identity (0005_identity): accounts, tokens, courses and members.
export interface UsersTable {
  id: string;
  email: string;
  username: string;
  name: Generated<string>;
  avatar_url: string | null;
  preferences: Json<Record<string, unknown>>;
  roles: Json<('student' | 'lecturer' | 'admin')[]>;
  password_hash: string | null;
  source: Generated<'local' | 'keycloak'>;
  disabled: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  password_changed_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface RefreshTokensTable {
  id: string;
  token_hash: string;
  family_id: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface PasswordResetTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface CoursesTable {
  id: string;
  title: string;
  description: Generated<string>;
  invite_code: string;
  created_by: string;
  created_at: CreatedAt;
}

export interface CourseMembersTable {
  course_id: string;
  user_id: string;
  role: 'lecturer' | 'student';
  joined_at: CreatedAt;
}

export interface IdentityTables {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  password_reset_tokens: PasswordResetTokensTable;
  courses: CoursesTable;
  course_members: CourseMembersTable;
}
