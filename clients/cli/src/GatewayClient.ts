import type { Course, JobView, LiveSession, Material, TokenPair } from '@lm/api';
import { WebSocket } from 'ws';

export interface ApiErrorBody {
  error: { code: string; message: string; retryable: boolean };
}

/** An error answered by the gateway, with its stable code. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** A typed client of the gateway's HTTP and WebSocket API (docs/api.md). */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async login(email: string, password: string): Promise<TokenPair> {
    const tokens = await this.request<TokenPair>('POST', '/api/auth/login', { email, password });
    this.token = tokens.accessToken;
    return tokens;
  }

  status(): Promise<{ mode: string; version: string }> {
    return this.request('GET', '/api/status');
  }

  createSession(input: {
    title: string;
    kind?: 'lecture' | 'tutoring';
    courseId?: string;
  }): Promise<LiveSession> {
    return this.request('POST', '/api/sessions', input);
  }

  endSession(sessionId: string): Promise<LiveSession> {
    return this.request('POST', `/api/sessions/${encodeURIComponent(sessionId)}/end`);
  }

  async transcript(sessionId: string, format: 'txt' | 'vtt' | 'srt' | 'json'): Promise<string> {
    return this.requestText(
      'GET',
      `/api/sessions/${encodeURIComponent(sessionId)}/transcript?format=${format}`,
    );
  }

  uploadRecording(
    audio: Buffer,
    input: { title: string; courseId?: string; contentType: string },
  ): Promise<{ recordingId: string; job: JobView }> {
    const query = new URLSearchParams({
      title: input.title,
      ...(input.courseId ? { courseId: input.courseId } : {}),
    });
    return this.request('POST', `/api/recordings?${query.toString()}`, audio, input.contentType);
  }

  courses(): Promise<{ courses: Course[] }> {
    return this.request('GET', '/api/courses');
  }

  course(courseId: string): Promise<Course> {
    return this.request('GET', `/api/courses/${encodeURIComponent(courseId)}`);
  }

  /**
   * Uploads a file (text, Markdown, PDF) to a course: a course material (lecturers) or, with
   * `visibility: 'private'`, the caller's own notes. The file name's extension picks the parser.
   */
  uploadMaterial(
    courseId: string,
    data: Buffer,
    input: { filename: string; title?: string; visibility?: 'course' | 'private' },
  ): Promise<Material> {
    const query = new URLSearchParams({
      filename: input.filename,
      ...(input.title ? { title: input.title } : {}),
      ...(input.visibility ? { visibility: input.visibility } : {}),
    });
    return this.request(
      'POST',
      `/api/courses/${encodeURIComponent(courseId)}/materials?${query.toString()}`,
      data,
    );
  }

  async materials(courseId: string): Promise<Material[]> {
    const listed = await this.request<{ materials: Material[] }>(
      'GET',
      `/api/courses/${encodeURIComponent(courseId)}/materials`,
    );
    return listed.materials;
  }

  async deleteMaterial(courseId: string, materialId: string): Promise<void> {
    await this.fetch(
      'DELETE',
      `/api/courses/${encodeURIComponent(courseId)}/materials/${encodeURIComponent(materialId)}`,
    );
  }

  job(jobId: string): Promise<JobView> {
    return this.request('GET', `/api/jobs/${encodeURIComponent(jobId)}`);
  }

  recordingTranscript(
    recordingId: string,
    format: 'txt' | 'vtt' | 'srt' | 'json',
  ): Promise<string> {
    return this.requestText(
      'GET',
      `/api/recordings/${encodeURIComponent(recordingId)}/transcript?format=${format}`,
    );
  }

  /**
   * Opens a voice tutoring session in a course (continuing `conversationId` if given): the
   * student's audio goes to `/ws/ingest/:sessionId`, the tutor's replies and speech come on
   * `/ws/tutor/:sessionId`.
   */
  openTutorSession(
    courseId: string,
    conversationId?: string,
  ): Promise<{ sessionId: string; conversationId: string }> {
    return this.request('POST', '/api/tutor/sessions', { courseId, conversationId });
  }

  /** Asks the tutor by text; the body is the reply as NDJSON chunks, streamed as written. */
  async tutorChat(input: {
    courseId: string;
    conversationId?: string | undefined;
    text: string;
  }): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetch('POST', '/api/tutor/chat', input);
    if (!response.body)
      throw new GatewayError(response.status, 'internal', 'The gateway sent no reply body');
    return response.body;
  }

  /**
   * Opens a WebSocket of the platform. Pass `onMessage` when the server speaks first (the ingest's
   * `ready`, a viewer's history): a listener attached after this promise resolves can miss frames
   * that arrived with the handshake.
   */
  openSocket(path: string, onMessage?: (data: Buffer) => void): Promise<WebSocket> {
    const url = new URL(path, this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    });
    if (onMessage) socket.on('message', onMessage);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(socket));
      socket.once('error', (error) =>
        reject(new GatewayError(0, 'unavailable', `Cannot reach ${url.origin}: ${error.message}`)),
      );
      socket.once('unexpected-response', (_req, res) =>
        reject(
          new GatewayError(
            res.statusCode ?? 0,
            'unavailable',
            `WebSocket refused with HTTP ${res.statusCode}`,
          ),
        ),
      );
    });
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const response = await this.fetch(method, path, body, contentType);
    return (await response.json()) as T;
  }

  private async requestText(method: string, path: string): Promise<string> {
    const response = await this.fetch(method, path);
    return response.text();
  }

  private async fetch(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: Uint8Array<ArrayBuffer> | string | undefined;
    if (Buffer.isBuffer(body)) {
      // Node's Buffers live on plain ArrayBuffers (the DOM's fetch types insist on it).
      payload = new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
      headers['content-type'] = contentType ?? 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload });
    } catch (error) {
      throw new GatewayError(
        0,
        'unavailable',
        `Cannot reach ${this.baseUrl}: ${(error as Error).message}. Is the platform running (bash scripts/start.sh)?`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let parsed: ApiErrorBody | undefined;
      try {
        parsed = JSON.parse(text) as ApiErrorBody;
      } catch {
        parsed = undefined;
      }
      throw new GatewayError(
        response.status,
        parsed?.error.code ?? 'internal',
        parsed?.error.message ?? `HTTP ${response.status}`,
      );
    }
    return response;
  }
}
