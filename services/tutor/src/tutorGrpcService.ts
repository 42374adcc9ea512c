import {
  AppError,
  endUserOf,
  serverStreamHandler,
  unaryHandler,
  type Logger,
  type Principal,
} from '@lm/kit';
import type {
  ChatRequest,
  Conversation as ConversationMessageType,
  ConversationMessage,
  CreateConversationRequest,
  EndVoiceSessionRequest,
  EndVoiceSessionResponse,
  ListConversationsRequest,
  ListConversationsResponse,
  ListMessagesRequest,
  ListMessagesResponse,
  OpenVoiceSessionRequest,
  ReplyChunk,
  TutorServiceServer,
  VoiceSession,
} from '@lm/proto/tutor/v1/tutor';
import type { Conversation, StoredMessage } from './ConversationStore.js';
import type { TutorService } from './TutorService.js';
import type { VoiceTutor } from './VoiceTutor.js';

/** A live session as the tutor checks it (live_sessions: course, creator, kind). */
export interface TutoringSessionRef {
  course_id: string | null;
  created_by: string;
  kind: string;
}

/**
 * What the tutor asks before acting for a student, with the student's verified principal
 * (the identity package's AccessPolicy is one).
 */
export interface TutorAccess {
  assertCourseMember(principal: Principal, courseId: string): Promise<unknown>;
  assertCanControlSession(principal: Principal, session: TutoringSessionRef): Promise<void>;
}

export interface TutorGrpcDeps {
  tutor: TutorService;
  access: TutorAccess;
  logger: Logger;
  /** Voice sessions; without them OpenVoiceSession / EndVoiceSession answer unimplemented. */
  voice?: Pick<VoiceTutor, 'openSession' | 'endSession'> | undefined;
  /** The live session row of a tutoring room (read from the platform's database). */
  session?: ((sessionId: string) => Promise<TutoringSessionRef | undefined>) | undefined;
}

/** Every TutorService method acts for a student — for `withCallerIdentity`. */
export const TUTOR_SERVICE_END_USER = 'required';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The TutorService gRPC implementation (proto/lm/tutor/v1). The student is whoever the end
 * user's token (`x-lm-user-token`, verified by the caller-identity wrapper) says — never an id
 * the calling service claims: conversations are looked up by that user, so someone else's is
 * not found, and chatting or opening a conversation needs membership of the course.
 */
export function tutorGrpcService(deps: TutorGrpcDeps): TutorServiceServer {
  const { tutor, access, logger } = deps;
  return {
    chat: serverStreamHandler<ChatRequest, ReplyChunk>(logger, (request, context) => {
      const user = endUserOf(context.metadata);
      const courseId = id('course_id', request.courseId);
      return (async function* () {
        await access.assertCourseMember(user, courseId);
        yield* tutor.chat(
          {
            userId: user.userId,
            courseId,
            ...(request.conversationId
              ? { conversationId: id('conversation_id', request.conversationId) }
              : {}),
            text: request.text,
          },
          context.signal,
        );
      })();
    }),

    createConversation: unaryHandler<CreateConversationRequest, ConversationMessageType>(
      logger,
      async (request, context) => {
        const user = endUserOf(context.metadata);
        const courseId = id('course_id', request.courseId);
        await access.assertCourseMember(user, courseId);
        return toConversation(
          await tutor.createConversation({
            userId: user.userId,
            courseId,
            ...(request.title ? { title: request.title.slice(0, 200) } : {}),
          }),
        );
      },
    ),

    listConversations: unaryHandler<ListConversationsRequest, ListConversationsResponse>(
      logger,
      async (request, context) => {
        const user = endUserOf(context.metadata);
        const courseId = request.courseId ? id('course_id', request.courseId) : undefined;
        return {
          conversations: (await tutor.listConversations(user.userId, courseId)).map(toConversation),
        };
      },
    ),

    listMessages: unaryHandler<ListMessagesRequest, ListMessagesResponse>(
      logger,
      async (request, context) => {
        const user = endUserOf(context.metadata);
        const conversationId = id('conversation_id', request.conversationId);
        // The store answers not_found for a conversation of another user.
        return { messages: (await tutor.messages(conversationId, user.userId)).map(toMessage) };
      },
    ),

    openVoiceSession: unaryHandler<OpenVoiceSessionRequest, VoiceSession>(
      logger,
      async (request, context) => {
        const user = endUserOf(context.metadata);
        const { voice, row } = await tutoringSession(request.sessionId);
        // Only the student whose tutoring room it is opens it.
        if (row.kind !== 'tutoring' || row.created_by !== user.userId)
          throw new AppError('not_found', 'No such tutoring session');
        const courseId = id('course_id', request.courseId);
        await access.assertCourseMember(user, courseId);
        const record = await voice.openSession({
          sessionId: request.sessionId,
          userId: user.userId,
          courseId,
          ...(request.conversationId
            ? { conversationId: id('conversation_id', request.conversationId) }
            : {}),
        });
        return {
          sessionId: record.sessionId,
          conversationId: record.conversationId,
          userId: record.userId,
          courseId: record.courseId,
        };
      },
    ),

    endVoiceSession: unaryHandler<EndVoiceSessionRequest, EndVoiceSessionResponse>(
      logger,
      async (request, context) => {
        const user = endUserOf(context.metadata);
        const { voice, row } = await tutoringSession(request.sessionId);
        await access.assertCanControlSession(user, row);
        await voice.endSession(request.sessionId);
        return {};
      },
    ),
  };

  async function tutoringSession(sessionId: string) {
    const voice = deps.voice;
    if (!voice || !deps.session)
      throw new AppError('failed_precondition', 'Voice tutoring is not offered by this tutor');
    const row = await deps.session(id('session_id', sessionId));
    if (!row) throw new AppError('not_found', 'No such tutoring session');
    return { voice, row };
  }
}

function id(field: string, value: string): string {
  if (!ID.test(value)) throw new AppError('invalid_argument', `Malformed ${field}`);
  return value;
}

export function toConversation(c: Conversation): ConversationMessageType {
  return {
    id: c.id,
    userId: c.userId,
    courseId: c.courseId,
    title: c.title,
    createdAt: c.createdAt,
  };
}

export function toMessage(m: StoredMessage): ConversationMessage {
  return {
    id: m.id,
    conversationId: m.conversationId,
    role: m.role,
    content: m.content,
    citations: m.citations,
    ...(m.spokenText !== null ? { spokenText: m.spokenText } : {}),
    cancelled: m.cancelled,
    ...(m.turnId !== null ? { turnId: m.turnId } : {}),
    createdAt: m.createdAt,
  };
}
