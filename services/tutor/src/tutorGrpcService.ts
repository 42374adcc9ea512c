import { AppError, serverStreamHandler, type Logger } from '@lm/kit';
import type { ChatRequest, ReplyChunk, TutorServiceServer } from '@lm/proto/tutor/v1/tutor';
import type { TutorService } from './TutorService.js';

/**
 * Metadata key with the caller's user id. The gateway authenticates the student and sets it;
 * the tutor's gRPC port is internal (the chart gives it no ingress), so it is trusted here.
 */
export const USER_ID_METADATA = 'lm-user-id';

/** The TutorService gRPC implementation (proto/lm/tutor/v1) over a TutorService. */
export function tutorGrpcService(tutor: TutorService, logger: Logger): TutorServiceServer {
  return {
    chat: serverStreamHandler<ChatRequest, ReplyChunk>(logger, (request, context) => {
      const userId = context.metadata.get(USER_ID_METADATA)[0];
      if (typeof userId !== 'string' || userId === '') {
        throw new AppError('unauthenticated', `Missing ${USER_ID_METADATA} metadata`);
      }
      return tutor.chat(
        {
          userId,
          courseId: request.courseId,
          ...(request.conversationId ? { conversationId: request.conversationId } : {}),
          text: request.text,
        },
        context.signal,
      );
    }),
  };
}
