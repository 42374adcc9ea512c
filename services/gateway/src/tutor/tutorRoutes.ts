import '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type Logger, type Principal } from '@lm/kit';
import type { AccessPolicy } from '@lm/identity';
import type { TutorService, VoiceTutor } from '@lm/tutor';
import type { SpeechAudioChunk } from '@lm/proto/speech/v1/speech';
import { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { parseBody } from '../sessions/sessionRoutes.js';
import type { SessionStore } from '../sessions/SessionStore.js';
import { closeWithError } from '../ws.js';

/** What the routes use of the tutor (TutorService of @lm/tutor). */
export type TutorPort = Pick<
  TutorService,
  'createConversation' | 'listConversations' | 'messages' | 'chat'
>;

/** Voice tutoring: the VoiceTutor, and the reply / speech streams of the bus. */
export interface VoiceTutorPort {
  voice: Pick<VoiceTutor, 'openSession' | 'endSession'>;
  /** Every reply chunk published from now on (a bus tail on lm.tutor-replies.v1). */
  tailReplies(handler: (chunk: ReplyChunk) => void): Promise<Closable>;
  /** Every speech audio chunk published from now on (a bus tail on lm.speech-audio.v1). */
  tailSpeech(handler: (chunk: SpeechAudioChunk) => void): Promise<Closable>;
}

export interface Closable {
  close(): Promise<void> | void;
}

export interface TutorRoutesDeps {
  tutor: TutorPort;
  access: AccessPolicy;
  logger: Logger;
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** Voice sessions; without them only text chat is offered. */
  voice?: VoiceTutorPort | undefined;
  sessions?: SessionStore | undefined;
}

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed id');
const createBody = z.object({ courseId: id, title: z.string().trim().min(1).max(200).optional() });
const chatBody = z.object({
  courseId: id,
  conversationId: id.optional(),
  text: z.string().trim().min(1).max(2000),
});
const messageBody = z.object({ text: z.string().trim().min(1).max(2000) });
const voiceBody = z.object({ courseId: id, conversationId: id.optional() });

export const NDJSON = 'application/x-ndjson';

/**
 * Tutoring conversations (their owner's alone: anyone else gets 404), text chat streamed as
 * NDJSON (one `ReplyChunk.toJSON` per line: tokens, sentences, then done with citations or
 * cancelled), and voice sessions: a tutoring live session whose audio comes in through
 * /ws/ingest/:sessionId and whose replies and speech go out through /ws/tutor/:sessionId.
 */
export function registerTutorRoutes(app: FastifyInstance, deps: TutorRoutesDeps): void {
  const { tutor, access } = deps;

  app.post('/api/conversations', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const body = parseBody(createBody, request.body);
    await access.assertCourseMember(principal, body.courseId);
    const conversation = await tutor.createConversation({
      userId: principal.userId,
      courseId: body.courseId,
      ...(body.title ? { title: body.title } : {}),
    });
    return reply.status(201).send(conversation);
  });

  app.get('/api/conversations', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseBody(z.object({ courseId: id.optional() }), request.query);
    return { conversations: await tutor.listConversations(principal.userId, query.courseId) };
  });

  app.get('/api/conversations/:id', async (request) => {
    const principal = await deps.authenticate(request);
    const params = parseBody(z.object({ id }), request.params);
    const conversation = await ownConversation(principal, params.id);
    return { ...conversation, messages: await tutor.messages(params.id, principal.userId) };
  });

  app.post('/api/conversations/:id/messages', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const params = parseBody(z.object({ id }), request.params);
    const body = parseBody(messageBody, request.body);
    const conversation = await ownConversation(principal, params.id);
    await access.assertCourseMember(principal, conversation.courseId);
    return streamChat(request, reply, principal, {
      courseId: conversation.courseId,
      conversationId: conversation.id,
      text: body.text,
    });
  });

  app.post('/api/tutor/chat', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const body = parseBody(chatBody, request.body);
    await access.assertCourseMember(principal, body.courseId);
    return streamChat(request, reply, principal, body);
  });

  /** The conversation if it is the caller's; not_found otherwise (the store checks the owner). */
  async function ownConversation(principal: Principal, conversationId: string) {
    const list = await tutor.listConversations(principal.userId);
    const conversation = list.find((c) => c.id === conversationId);
    if (!conversation) throw new AppError('not_found', 'No such conversation');
    access.assertConversationOwner(principal, { owner_id: conversation.userId });
    return conversation;
  }

  async function streamChat(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    input: { courseId: string; conversationId?: string | undefined; text: string },
  ): Promise<FastifyReply> {
    const controller = new AbortController();
    // A client that hangs up cancels the generation (its partial reply is stored as such).
    request.raw.once('close', () => {
      if (!reply.raw.writableEnded) controller.abort();
    });
    const chunks = tutor.chat(
      {
        userId: principal.userId,
        courseId: input.courseId,
        ...(input.conversationId ? { conversationId: input.conversationId } : {}),
        text: input.text,
      },
      controller.signal,
    );
    // The first chunk is awaited before any header goes out, so a bad request is a clean 4xx.
    const first = await chunks.next();
    void reply.hijack();
    reply.raw.writeHead(200, { 'content-type': NDJSON, 'cache-control': 'no-store' });
    const write = (chunk: ReplyChunk) =>
      reply.raw.write(`${JSON.stringify(ReplyChunk.toJSON(chunk))}\n`);
    try {
      if (!first.done) write(first.value);
      for await (const chunk of chunks) write(chunk);
    } catch (error) {
      deps.logger.error({ err: error, user: principal.userId }, 'tutor chat failed mid-stream');
      reply.raw.write(`${JSON.stringify({ error: AppError.from(error).toJSON().error })}\n`);
    }
    reply.raw.end();
    return reply;
  }

  const voice = deps.voice;
  const sessions = deps.sessions;
  if (!voice || !sessions) return;

  app.post('/api/tutor/sessions', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const body = parseBody(voiceBody, request.body);
    await access.assertCourseMember(principal, body.courseId);
    const session = await sessions.create({
      title: 'Tutoring',
      kind: 'tutoring',
      courseId: body.courseId,
      createdBy: principal.userId,
    });
    const record = await voice.voice.openSession({
      sessionId: session.id,
      userId: principal.userId,
      courseId: body.courseId,
      ...(body.conversationId ? { conversationId: body.conversationId } : {}),
    });
    request.log.info(
      { session: session.id, user: principal.userId, conversation: record.conversationId },
      'tutoring session opened',
    );
    return reply.status(201).send({ sessionId: session.id, conversationId: record.conversationId });
  });

  /**
   * A tutoring session's output: `{"type":"reply","chunk":ReplyChunk}` frames and
   * `{"type":"audio","sampleRate","pcm":<base64 s16le>,"text","endOfUtterance"}` frames.
   * Barge-in needs nothing from the client: speaking again (through the ingest) cancels the
   * reply, a `cancelled` chunk arrives (the client drops the audio it still has queued) and no
   * audio of that turn follows it, only its end-of-utterance marker.
   */
  app.get<{ Params: { sessionId: string } }>(
    '/ws/tutor/:sessionId',
    { websocket: true },
    (socket, request) => {
      const { sessionId } = request.params;
      const log = deps.logger.child({ session: sessionId });
      socket.on('message', () => undefined);
      void (async () => {
        try {
          if (!id.safeParse(sessionId).success)
            throw new AppError('invalid_argument', 'Malformed session id');
          const principal = await deps.authenticate(request);
          const session = await sessions.get(sessionId);
          // Someone else's tutoring room looks like no room at all.
          if (session.kind !== 'tutoring' || session.createdBy !== principal.userId)
            throw new AppError('not_found', 'No such tutoring session');
          const conversations = new Set(
            (await tutor.listConversations(principal.userId)).map((c) => c.id),
          );
          const send = (frame: unknown) => {
            if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
          };
          // One tail per socket: every gateway replica sees every reply, each keeps its own.
          const tails: Closable[] = [];
          // Turns cancelled on this socket. The two tails are separate streams, so audio the
          // speech service sent just before it saw the cancel can come after it: dropped here.
          const cancelled = new Set<string>();
          socket.once('close', () => {
            for (const tail of tails) void tail.close();
          });
          tails.push(
            await voice.tailReplies((chunk) => {
              if (!conversations.has(chunk.conversationId)) return;
              if (chunk.body?.$case === 'cancelled') {
                if (cancelled.size >= 100) cancelled.clear();
                cancelled.add(chunk.turnId);
              }
              send({ type: 'reply', chunk: ReplyChunk.toJSON(chunk) });
            }),
          );
          tails.push(
            await voice.tailSpeech((chunk) => {
              if (chunk.sessionId !== sessionId) return;
              if (cancelled.has(chunk.utteranceId) && !chunk.endOfUtterance) return;
              if (chunk.endOfUtterance) cancelled.delete(chunk.utteranceId);
              send({
                type: 'audio',
                utteranceId: chunk.utteranceId,
                sampleRate: chunk.sampleRate,
                pcm: chunk.pcm.toString('base64'),
                text: chunk.text,
                endOfUtterance: chunk.endOfUtterance,
              });
            }),
          );
          if (socket.readyState !== socket.OPEN) for (const tail of tails) void tail.close();
          send({ type: 'ready', sessionId });
        } catch (error) {
          if (!AppError.is(error) || error.code === 'internal')
            log.error({ err: error }, 'tutor socket failed');
          closeWithError(socket, error);
        }
      })();
    },
  );
}
