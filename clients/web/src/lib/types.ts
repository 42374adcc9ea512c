// The gateway's JSON shapes (docs/api.md; services/gateway/src/captions/messages.ts).

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
}

export interface CaptionWord {
  text: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

export interface Caption {
  sessionId: string;
  streamId?: string;
  segmentIndex: number;
  revision: number;
  kind: 'partial' | 'final';
  text: string;
  startMs: number;
  endMs: number;
  words: CaptionWord[];
  streamEnded?: boolean;
}

export type CaptionServerMessage =
  | { type: 'caption'; caption: Caption }
  | { type: 'history'; finals: Caption[] }
  | { type: 'session'; sessionId: string; status: 'live' | 'ended' }
  | { type: 'error'; code: string; message: string };

export type AuthConfig =
  | { mode: 'local'; issuer: string; audience: string }
  | { mode: 'keycloak'; issuer: string; webClient: string; cliClient: string };

export interface JobView {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  error?: { code: string; message: string };
  recordingId?: string;
}

export interface Recording {
  id: string;
  title: string;
  courseId: string | null;
  ownerId: string;
  sessionId: string;
  contentType: string;
  sizeBytes: number;
  durationMs: number | null;
  createdAt: string;
  job: JobView | null;
}

export interface Material {
  id: string;
  courseId: string;
  title: string;
  filename?: string;
  contentType?: string;
  sizeBytes?: number;
  status?: string;
  createdAt?: string;
}

export interface SearchHit {
  materialId?: string;
  sessionId?: string;
  title?: string;
  text: string;
  score?: number;
  startMs?: number;
}

export type TranscriptFormat = 'vtt' | 'srt' | 'txt' | 'json';
