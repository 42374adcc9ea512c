import { ApiError } from './ApiError.js';
import { refreshKeycloak } from './keycloak.js';
import { clearTokens, loadTokens, saveTokens, type StoredTokens } from './tokens.js';
import { readNdjson } from './ndjson.js';
import type {
  AuthConfig,
  Conversation,
  Course,
  JobView,
  LiveSession,
  Material,
  Message,
  Recording,
  ReplyChunk,
  SearchHit,
  TokenPair,
  TranscriptFormat,
  User,
} from '@lm/api';

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** The gateway's HTTP API (docs/api.md), with the signed-in user's tokens refreshed as needed. */
export class Api {
  private tokens: StoredTokens | undefined = loadTokens();
  private refreshing: Promise<StoredTokens | undefined> | undefined;
  private authConfig: Promise<AuthConfig> | undefined;
  /** Called when the tokens are gone for good (refresh refused): the app shows the sign-in page. */
  onSignedOut: () => void = () => undefined;

  get signedIn(): boolean {
    return this.tokens !== undefined;
  }

  /** Who issued the current tokens (Keycloak logins also end at Keycloak). */
  get tokenSource(): StoredTokens['source'] | undefined {
    return this.tokens?.source;
  }

  config(): Promise<AuthConfig> {
    this.authConfig ??= this.request<AuthConfig>('GET', '/api/auth/config', undefined, false);
    return this.authConfig;
  }

  // --- accounts --------------------------------------------------------------------------------

  async login(email: string, password: string): Promise<void> {
    const pair = await this.request<TokenPair>(
      'POST',
      '/api/auth/login',
      { email, password },
      false,
    );
    this.tokens = saveTokens(pair, 'local');
  }

  async register(email: string, password: string, name: string): Promise<void> {
    const body = name ? { email, password, name } : { email, password };
    const result = await this.request<{ tokens: TokenPair }>(
      'POST',
      '/api/auth/register',
      body,
      false,
    );
    this.tokens = saveTokens(result.tokens, 'local');
  }

  useTokens(pair: TokenPair, source: StoredTokens['source']): void {
    this.tokens = saveTokens(pair, source);
  }

  async logout(): Promise<void> {
    const tokens = this.tokens;
    this.tokens = undefined;
    clearTokens();
    if (tokens?.source === 'local') {
      await this.request(
        'POST',
        '/api/auth/logout',
        { refreshToken: tokens.refreshToken },
        false,
      ).catch(() => undefined);
    }
  }

  me(): Promise<User> {
    return this.request('GET', '/api/me');
  }

  // --- courses ---------------------------------------------------------------------------------

  async courses(): Promise<Course[]> {
    return (await this.request<{ courses: Course[] }>('GET', '/api/courses')).courses;
  }

  course(id: string): Promise<Course> {
    return this.request('GET', `/api/courses/${encodeURIComponent(id)}`);
  }

  createCourse(title: string, description: string): Promise<Course> {
    return this.request('POST', '/api/courses', description ? { title, description } : { title });
  }

  joinCourse(inviteCode: string): Promise<Course> {
    return this.request('POST', '/api/courses/join', { inviteCode });
  }

  // --- live sessions and transcripts -----------------------------------------------------------

  startSession(title: string, courseId: string): Promise<LiveSession> {
    return this.request('POST', '/api/sessions', { title, courseId, kind: 'lecture' });
  }

  endSession(id: string): Promise<LiveSession> {
    return this.request('POST', `/api/sessions/${encodeURIComponent(id)}/end`);
  }

  session(id: string): Promise<LiveSession> {
    return this.request('GET', `/api/sessions/${encodeURIComponent(id)}`);
  }

  async sessions(courseId?: string): Promise<LiveSession[]> {
    const query = courseId ? `?courseId=${encodeURIComponent(courseId)}` : '';
    return (await this.request<{ sessions: LiveSession[] }>('GET', `/api/sessions${query}`))
      .sessions;
  }

  transcriptText(sessionId: string, format: TranscriptFormat): Promise<string> {
    return this.request(
      'GET',
      `/api/sessions/${encodeURIComponent(sessionId)}/transcript?format=${format}`,
      undefined,
      true,
      'text',
    );
  }

  /** A live lecture's recorded audio as a WAV Blob (an <audio> element cannot send the token). */
  /** A lecture's recorded audio, for an <audio> element (streamed, seekable with ranges). */
  sessionAudioUrl(sessionId: string): Promise<string> {
    return this.mediaUrl(`/api/sessions/${encodeURIComponent(sessionId)}/audio`);
  }

  /** Downloads a transcript export (the browser cannot send the token on a plain link). */
  async downloadTranscript(sessionId: string, format: TranscriptFormat, name: string) {
    const text = await this.transcriptText(sessionId, format);
    saveAs(new Blob([text], { type: 'text/plain;charset=utf-8' }), `${name}.${format}`);
  }

  // --- recordings and jobs (offline transcription) ---------------------------------------------

  uploadRecording(
    file: File,
    input: { title: string; courseId?: string },
    onProgress: (fraction: number) => void,
  ): Promise<{ recordingId?: string; id?: string; jobId?: string; job?: JobView }> {
    const query = new URLSearchParams({ title: input.title });
    if (input.courseId) query.set('courseId', input.courseId);
    return this.upload(`/api/recordings?${query.toString()}`, file, onProgress);
  }

  async recordings(): Promise<Recording[]> {
    return (await this.request<{ recordings: Recording[] }>('GET', '/api/recordings')).recordings;
  }

  recording(id: string): Promise<Recording> {
    return this.request('GET', `/api/recordings/${encodeURIComponent(id)}`);
  }

  /** The recording's audio as a Blob (an <audio> element cannot send the token itself). */
  recordingAudioUrl(id: string): Promise<string> {
    return this.mediaUrl(`/api/recordings/${encodeURIComponent(id)}/audio`);
  }

  async downloadRecordingTranscript(id: string, format: TranscriptFormat, name: string) {
    const text = await this.recordingTranscript(id, format);
    saveAs(new Blob([text], { type: 'text/plain;charset=utf-8' }), `${name}.${format}`);
  }

  job(id: string): Promise<JobView> {
    return this.request('GET', `/api/jobs/${encodeURIComponent(id)}`);
  }

  recordingTranscript(recordingId: string, format: TranscriptFormat): Promise<string> {
    return this.request(
      'GET',
      `/api/recordings/${encodeURIComponent(recordingId)}/transcript?format=${format}`,
      undefined,
      true,
      'text',
    );
  }

  // --- materials and search ------------------------------------------------------------------

  async materials(courseId: string): Promise<Material[]> {
    const result = await this.request<{ materials: Material[] }>(
      'GET',
      `/api/courses/${encodeURIComponent(courseId)}/materials`,
    );
    return result.materials;
  }

  /**
   * Uploads a document as the raw request body (`?filename=` names it and picks the parser):
   * a course material (lecturers), or with `visibility: 'private'` the user's own notes.
   */
  uploadMaterial(
    courseId: string,
    file: File,
    onProgress: (fraction: number) => void,
    visibility: 'course' | 'private' = 'course',
  ) {
    const query = new URLSearchParams({ filename: file.name, visibility });
    return this.upload<Material>(
      `/api/courses/${encodeURIComponent(courseId)}/materials?${query.toString()}`,
      file,
      onProgress,
    );
  }

  deleteMaterial(courseId: string, id: string): Promise<void> {
    return this.request(
      'DELETE',
      `/api/courses/${encodeURIComponent(courseId)}/materials/${encodeURIComponent(id)}`,
    );
  }

  /** Passages of the course's materials and lecture transcripts, best first. */
  async search(courseId: string, q: string, limit = 10): Promise<SearchHit[]> {
    const query = new URLSearchParams({ q, courseId, limit: String(limit) });
    return (await this.request<{ hits: SearchHit[] }>('GET', `/api/search?${query.toString()}`))
      .hits;
  }

  // --- tutor -----------------------------------------------------------------------------------

  async conversations(courseId: string): Promise<Conversation[]> {
    const query = new URLSearchParams({ courseId });
    return (
      await this.request<{ conversations: Conversation[] }>(
        'GET',
        `/api/conversations?${query.toString()}`,
      )
    ).conversations;
  }

  conversation(id: string): Promise<Conversation & { messages: Message[] }> {
    return this.request('GET', `/api/conversations/${encodeURIComponent(id)}`);
  }

  /**
   * Asks the tutor; yields the reply's chunks as the server streams them (NDJSON). Without a
   * conversation id a new conversation starts (every chunk names it). Aborting cancels the reply.
   */
  async *chat(
    input: { courseId: string; conversationId?: string | undefined; text: string },
    signal?: AbortSignal,
  ): AsyncGenerator<ReplyChunk> {
    const body = input.conversationId
      ? { courseId: input.courseId, conversationId: input.conversationId, text: input.text }
      : { courseId: input.courseId, text: input.text };
    const response = await this.send('POST', '/api/tutor/chat', body, signal);
    if (!response.body) throw new ApiError(0, 'unavailable', 'The reply did not arrive.');
    yield* readNdjson<ReplyChunk>(response.body);
  }

  /** Opens a voice tutoring session (a tutoring room of the caller's own). */
  openVoiceSession(
    courseId: string,
    conversationId?: string,
  ): Promise<{ sessionId: string; conversationId: string }> {
    return this.request(
      'POST',
      '/api/tutor/sessions',
      conversationId ? { courseId, conversationId } : { courseId },
    );
  }

  // --- plumbing --------------------------------------------------------------------------------

  /** A token for WebSocket URLs (browsers cannot set headers on them). */
  async accessToken(): Promise<string> {
    const tokens = await this.freshTokens();
    if (!tokens) throw new ApiError(401, 'unauthenticated', 'Please sign in.');
    return tokens.accessToken;
  }

  /**
   * A same-origin URL an <audio> element can stream with range requests: it cannot send the
   * Authorization header, so the access token rides in the query (as for WebSockets). The token
   * expires; the player asks for a fresh URL when a request is refused.
   */
  async mediaUrl(path: string): Promise<string> {
    const params = new URLSearchParams({ access_token: await this.accessToken() });
    return `${path}?${params.toString()}`;
  }

  async wsUrl(path: string, query: Record<string, string> = {}): Promise<string> {
    const params = new URLSearchParams({ ...query, access_token: await this.accessToken() });
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}${path}?${params.toString()}`;
  }

  private async freshTokens(): Promise<StoredTokens | undefined> {
    const tokens = this.tokens;
    if (!tokens) return undefined;
    if (Date.now() < tokens.accessExpiresAt) return tokens;
    return this.refresh();
  }

  private refresh(): Promise<StoredTokens | undefined> {
    // One refresh at a time: a refresh token is spent when used, a second use would revoke the login.
    this.refreshing ??= (async () => {
      const tokens = this.tokens;
      if (!tokens) return undefined;
      try {
        let pair: TokenPair;
        if (tokens.source === 'keycloak') {
          const config = await this.config();
          if (config.mode !== 'keycloak') throw new Error('not keycloak');
          pair = await refreshKeycloak(config.issuer, config.webClient, tokens.refreshToken);
        } else {
          pair = await this.request<TokenPair>(
            'POST',
            '/api/auth/refresh',
            { refreshToken: tokens.refreshToken },
            false,
          );
        }
        this.tokens = saveTokens(pair, tokens.source);
        return this.tokens;
      } catch (error) {
        if (error instanceof ApiError && error.status === 0) throw error;
        this.tokens = undefined;
        clearTokens();
        this.onSignedOut();
        return undefined;
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    authenticated = true,
    as: 'json' | 'text' | 'blob' = 'json',
  ): Promise<T> {
    const response = await this.send(method, path, body, undefined, authenticated);
    if (response.status === 204) return undefined as T;
    if (as === 'blob') return (await response.blob()) as T;
    return (as === 'text' ? await response.text() : await response.json()) as T;
  }

  /** A request with the caller's token (refreshed once on a 401); a non-2xx answer throws. */
  private async send(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
    authenticated = true,
  ): Promise<Response> {
    const attempt = async (tokens: StoredTokens | undefined) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (authenticated && tokens) headers.authorization = `Bearer ${tokens.accessToken}`;
      try {
        return await fetch(path, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
          signal: signal ?? null,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
      }
    };
    let response = await attempt(authenticated ? await this.freshTokens() : undefined);
    if (response.status === 401 && authenticated && this.tokens) {
      const refreshed = await this.refresh();
      if (refreshed) response = await attempt(refreshed);
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  /** A file upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
  private async upload<T>(path: string, file: File, onProgress: (f: number) => void): Promise<T> {
    const token = await this.accessToken();
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onerror = () => reject(new ApiError(0, 'unavailable', 'The upload was interrupted.'));
      xhr.onload = () => {
        let json: unknown;
        try {
          json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
        } catch {
          json = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          resolve(json as T);
        } else {
          const error = (json as ErrorBody | undefined)?.error;
          reject(
            new ApiError(
              xhr.status,
              error?.code ?? 'unknown',
              error?.message ??
                (xhr.status === 404
                  ? 'Uploads are not available on this server yet.'
                  : `Upload failed (${xhr.status})`),
            ),
          );
        }
      };
      xhr.send(file);
    });
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody | undefined;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? 'unknown',
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.details,
  );
}

function saveAs(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const api = new Api();
