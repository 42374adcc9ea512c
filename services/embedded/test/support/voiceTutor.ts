import type { WebSocket } from 'ws';
import type { GatewayClient } from '@lm/cli';
import { nextMessage } from './platform.js';

/** A frame of the tutor socket, stamped with its arrival (wall clock, ms). */
export interface TutorFrame {
  at: number;
  type: string;
  utteranceId?: string;
  pcm?: string;
  text?: string;
  endOfUtterance?: boolean;
  chunk?: { turnId?: string; cancelled?: { reason: string }; done?: unknown };
}

/** A message of GET /api/conversations/:id. */
export interface StoredMessage {
  role: string;
  content: string;
  spokenText: string | null;
  cancelled: boolean;
  turnId: string | null;
}

export interface VoiceTutor {
  sessionId: string;
  conversationId: string;
  /** Every frame of the tutor socket since it was ready. */
  frames: TutorFrame[];
  /** The student's microphone: PCM16 frames at 16 kHz. */
  ingest: WebSocket;
  /** The conversation as stored. */
  messages(): Promise<StoredMessage[]>;
  close(): void;
}

/** Opens a voice tutoring session as `student`, with both sockets ready. */
export async function openVoiceTutor(
  student: GatewayClient,
  courseId: string,
): Promise<VoiceTutor> {
  const { sessionId, conversationId } = await student.openTutorSession(courseId);
  const frames: TutorFrame[] = [];
  const tutorSocket = await student.openSocket(`/ws/tutor/${sessionId}`);
  const ready = nextMessage(tutorSocket);
  tutorSocket.on('message', (data: Buffer) => {
    frames.push({ at: Date.now(), ...(JSON.parse(data.toString()) as Omit<TutorFrame, 'at'>) });
  });
  const first = await ready;
  if (first.type !== 'ready') throw new Error(`tutor socket opened with ${JSON.stringify(first)}`);
  frames.length = 0;
  const ingest = await student.openSocket(`/ws/ingest/${sessionId}?format=pcm16`);
  const ingestReady = await nextMessage(ingest);
  if (ingestReady.type !== 'ready')
    throw new Error(`ingest opened with ${JSON.stringify(ingestReady)}`);
  return {
    sessionId,
    conversationId,
    frames,
    ingest,
    messages: async () => {
      const response = await fetch(
        new URL(`/api/conversations/${conversationId}`, student.baseUrl),
        { headers: { authorization: `Bearer ${student.token ?? ''}` } },
      );
      if (!response.ok) throw new Error(`conversation: HTTP ${response.status}`);
      return ((await response.json()) as { messages: StoredMessage[] }).messages;
    },
    close: () => {
      ingest.close();
      tutorSocket.close();
    },
  };
}
