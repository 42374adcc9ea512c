import { credentials } from '@grpc/grpc-js';
import { callUnary } from '@lm/kit';
import {
  TutorServiceClient,
  type Conversation as ConversationMessage,
  type ConversationMessage as StoredMessageMessage,
  type ReplyChunk,
} from '@lm/proto/tutor/v1/tutor';
// Types only: the tutor's runtime (models, LLM clients) stays out of the gateway process.
import type {
  ChatInput,
  Conversation,
  StoredMessage,
  VoiceSessionRecord,
  VoiceTutor,
} from '@lm/tutor';
import type { TutorPort } from '../tutor/tutorRoutes.js';
import type { RemoteCallAuth } from './RemoteCallAuth.js';
import { serverStream } from './serverStream.js';

/**
 * The tutor service (lm.tutor.v1.TutorService) as the routes' TutorPort and the voice part of
 * VoiceTutorPort. User ids given by the routes are not sent: the tutor takes the student from
 * the forwarded user token, so it cannot be told to act for someone else.
 */
export class RemoteTutor implements TutorPort, Pick<VoiceTutor, 'openSession' | 'endSession'> {
  private readonly client: TutorServiceClient;

  constructor(
    address: string,
    private readonly auth: RemoteCallAuth,
  ) {
    this.client = new TutorServiceClient(address, credentials.createInsecure());
  }

  async createConversation(input: {
    userId: string;
    courseId: string;
    title?: string;
  }): Promise<Conversation> {
    return fromConversation(
      await callUnary(
        this.client.createConversation.bind(this.client),
        { courseId: input.courseId, title: input.title ?? '' },
        { metadata: await this.auth.forUser() },
      ),
    );
  }

  async listConversations(_userId: string, courseId?: string): Promise<Conversation[]> {
    const response = await callUnary(
      this.client.listConversations.bind(this.client),
      { courseId: courseId ?? '' },
      { metadata: await this.auth.forUser() },
    );
    return response.conversations.map(fromConversation);
  }

  async messages(conversationId: string, _userId: string): Promise<StoredMessage[]> {
    const response = await callUnary(
      this.client.listMessages.bind(this.client),
      { conversationId },
      { metadata: await this.auth.forUser() },
    );
    return response.messages.map(fromMessage);
  }

  async *chat(input: ChatInput, signal?: AbortSignal): AsyncGenerator<ReplyChunk> {
    yield* serverStream(
      (request, metadata) => this.client.chat(request, metadata),
      { conversationId: input.conversationId ?? '', courseId: input.courseId, text: input.text },
      await this.auth.forUser(),
      signal,
    );
  }

  async openSession(input: {
    sessionId: string;
    userId: string;
    courseId: string;
    conversationId?: string;
  }): Promise<VoiceSessionRecord> {
    const session = await callUnary(
      this.client.openVoiceSession.bind(this.client),
      {
        sessionId: input.sessionId,
        courseId: input.courseId,
        conversationId: input.conversationId ?? '',
      },
      { metadata: await this.auth.forUser() },
    );
    return { ...session, voiceId: '', endedAt: null };
  }

  async endSession(sessionId: string): Promise<void> {
    await callUnary(
      this.client.endVoiceSession.bind(this.client),
      { sessionId },
      { metadata: await this.auth.forUser() },
    );
  }

  close(): void {
    this.client.close();
  }
}

function fromConversation(c: ConversationMessage): Conversation {
  return {
    id: c.id,
    userId: c.userId,
    courseId: c.courseId,
    title: c.title,
    createdAt: c.createdAt,
  };
}

function fromMessage(m: StoredMessageMessage): StoredMessage {
  return {
    id: m.id,
    conversationId: m.conversationId,
    role: m.role === 'assistant' ? 'assistant' : 'user',
    content: m.content,
    citations: m.citations,
    spokenText: m.spokenText ?? null,
    cancelled: m.cancelled,
    turnId: m.turnId ?? null,
    createdAt: m.createdAt,
  };
}
