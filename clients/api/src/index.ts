// The gateway's HTTP and WebSocket JSON shapes (docs/api.md): the gateway builds its caption
// frames as these types, and the CLI and the web app read every response as them. Types only:
// nothing here runs, so the browser bundle takes nothing from it.

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn?: number;
}

export interface User {
  id: string;
  email: string;
  username?: string;
  name: string;
  roles: string[];
  source: 'local' | 'keycloak';
}

export interface Course {
  id: string;
  title: string;
  description: string;
  createdBy: string;
  createdAt: string;
  role: 'lecturer' | 'student';
  inviteCode?: string;
}

export interface LiveSession {
  id: string;
  courseId: string | null;
  title: string;
  kind: 'lecture' | 'tutoring';
  status: 'live' | 'ended';
  createdBy: string;
  startedAt: string;
  endedAt: string | null;
  /** Its recorded audio can be played (GET /api/sessions/:id/audio); set by GET /api/sessions/:id. */
  hasAudio?: boolean;
}

export interface CaptionWord {
  text: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

/** A caption (a transcript segment) as viewers receive it. */
export interface Caption {
  sessionId: string;
  /** The audio stream it transcribes (a WebRTC producer, or an ingest connection). */
  streamId: string;
  segmentIndex: number;
  revision: number;
  kind: 'partial' | 'final';
  text: string;
  startMs: number;
  endMs: number;
  words: CaptionWord[];
  /** When the transcriber emitted it; with the viewer's receive time this gives fan-out delay. */
  emittedAtMs: number;
  /** When the newest audio in it was captured; with receive time this gives caption latency. */
  audioCapturedAtMs: number;
  /** When the gateway read it from the bus. */
  fannedOutAtMs: number;
  /** Marks the end of a stream: its transcript is complete (the text is empty). */
  streamEnded: boolean;
}

export type CaptionServerMessage =
  | { type: 'caption'; caption: Caption }
  | { type: 'history'; finals: Caption[] }
  | { type: 'session'; sessionId: string; status: 'live' | 'ended' }
  | { type: 'error'; code: string; message: string };

export type AuthConfig =
  | { mode: 'local'; issuer: string; audience: string }
  | { mode: 'keycloak'; issuer: string; webClient: string; cliClient: string };

/** A background job (`GET /api/jobs/:id`). */
export interface JobView {
  id: string;
  kind: 'transcribe_recording' | 'index_material' | 'index_transcript';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  /** 0..1 */
  progress: number;
  attempt: number;
  error?: { code: string; message: string };
  /** The recording a transcription job works on. */
  recordingId?: string;
  createdAt: string;
  updatedAt: string;
}

/** An uploaded recording (`GET /api/recordings/:id`). */
export interface Recording {
  id: string;
  title: string;
  courseId: string | null;
  ownerId: string;
  /** The session whose transcript is this recording's transcript. */
  sessionId: string;
  contentType: string;
  sizeBytes: number;
  durationMs: number | null;
  createdAt: string;
  /** The newest transcription job. */
  job: JobView | null;
}

/**
 * A course document, an indexed lecture transcript, or the user's own private notes
 * (MaterialSummary of @lm/library).
 */
export interface Material {
  id: string;
  courseId: string;
  ownerId: string;
  kind: 'material' | 'lecture';
  /** 'private': the signed-in user's own notes, seen by nobody else (not even lecturers). */
  visibility: 'course' | 'private';
  title: string;
  filename: string;
  format: string;
  sessionId: string | null;
  byteSize: number;
  chunkCount: number;
  createdAt: string;
}

/** A passage found by GET /api/search (SearchHit of @lm/library). */
export interface SearchHit {
  chunkId: string;
  materialId: string;
  courseId: string;
  kind: 'material' | 'lecture';
  title: string;
  /** Heading path of a material passage ("Cells > Mitochondria"); empty for lectures. */
  heading: string;
  page: number | null;
  /** Lecture time of a transcript passage. */
  startMs: number | null;
  endMs: number | null;
  sessionId: string | null;
  /** 'private': a passage of the user's own notes. */
  visibility: 'course' | 'private';
  text: string;
  score: number;
}

export interface Conversation {
  id: string;
  userId: string;
  courseId: string;
  title: string;
  createdAt: string;
}

/**
 * A source of a tutor answer (lm.tutor.v1 Citation in its JSON form: zero values are left out).
 * `sourceId` is the material id, or for a lecture the live session id.
 */
export interface Citation {
  /**
   * 'material', 'lecture', or 'note' (the student's own private notes); a client shows a kind
   * it does not know as a plain source.
   */
  kind: string;
  sourceId?: string;
  title?: string;
  heading?: string;
  startMs?: number;
  excerpt?: string;
}

export interface Message {
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

/** One line of a streamed reply (lm.tutor.v1 ReplyChunk in its JSON form). */
export interface ReplyChunk {
  conversationId?: string;
  turnId?: string;
  sequence?: number;
  sessionId?: string;
  token?: string;
  sentence?: string;
  done?: { text?: string; citations?: Citation[] };
  cancelled?: { reason?: string };
  /** Only on a failure after the reply started (then it is the last line). */
  error?: { code?: string; message?: string };
}

/** Frames of GET /ws/tutor/:sessionId. */
export type TutorServerMessage =
  | { type: 'ready'; sessionId: string }
  | { type: 'reply'; chunk: ReplyChunk }
  | {
      type: 'audio';
      utteranceId: string;
      sampleRate: number;
      /** Base64 of 16-bit little-endian mono samples. */
      pcm: string;
      text: string;
      endOfUtterance: boolean;
    }
  | { type: 'error'; code: string; message: string };

export type TranscriptFormat = 'vtt' | 'srt' | 'txt' | 'json';
