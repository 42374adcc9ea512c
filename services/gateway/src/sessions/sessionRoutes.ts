import type { LiveSession } from '@lm/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type Principal } from '@lm/kit';
import {
  TRANSCRIPT_CONTENT_TYPES,
  exportTranscript,
  parseTranscriptFormat,
  type TranscriptStore,
} from '@lm/library';
import { openLectureAudio, type RecordingStorage } from '@lm/jobs';
import { parseRange } from '../recordings/parseRange.js';
import type { SessionPolicy } from './SessionPolicy.js';
import type { SessionStore } from './SessionStore.js';

export interface SessionRoutesDeps {
  sessions: SessionStore;
  transcripts: TranscriptStore;
  policy: SessionPolicy;
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** Viewers of a session connected to this gateway (replicas each count their own). */
  viewerCount?(sessionId: string): number;
  /** Recorded lecture audio (LectureRecorder's folder); without it sessions have no audio. */
  lectureAudio?: RecordingStorage | undefined;
  /** Called after a session ended (close its room, tell viewers, index its transcript). */
  onEnded?(session: LiveSession): Promise<void> | void;
}

const createBody = z.object({
  title: z.string().trim().min(1).max(200),
  kind: z.enum(['lecture', 'tutoring']).default('lecture'),
  courseId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});

const idParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed session id'),
});

export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  throw new AppError('invalid_argument', `${field}: ${issue?.message ?? 'invalid'}`, {
    details: { field },
  });
}

/**
 * Live sessions: start, list, read, end, their transcripts in every export format, and their
 * recorded audio.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: SessionRoutesDeps): void {
  app.post('/api/sessions', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const body = parseBody(createBody, request.body);
    await deps.policy.assertCanStart(principal, body.kind, body.courseId ?? null);
    const session = await deps.sessions.create({
      title: body.title,
      kind: body.kind,
      courseId: body.courseId ?? null,
      createdBy: principal.userId,
    });
    request.log.info(
      { session: session.id, user: principal.userId, kind: session.kind },
      'session started',
    );
    return reply.status(201).send(session);
  });

  app.get('/api/sessions', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseBody(z.object({ courseId: z.string().max(64).optional() }), request.query);
    const mine = await deps.sessions.list({
      createdBy: principal.userId,
      ...(query.courseId ? { courseIds: [query.courseId] } : {}),
    });
    const visible: LiveSession[] = [];
    for (const session of mine) {
      if (
        await deps.policy.assertCanView(principal, session).then(
          () => true,
          () => false,
        )
      )
        visible.push(session);
    }
    return { sessions: visible };
  });

  app.get('/api/sessions/:id', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const session = await deps.sessions.get(id);
    await deps.policy.assertCanView(principal, session);
    const audio = deps.lectureAudio ? await openLectureAudio(deps.lectureAudio, id) : undefined;
    return { ...session, hasAudio: audio !== undefined };
  });

  app.get('/api/sessions/:id/viewers', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const session = await deps.sessions.get(id);
    await deps.policy.assertCanView(principal, session);
    return { sessionId: id, viewers: deps.viewerCount?.(id) ?? 0 };
  });

  app.post('/api/sessions/:id/end', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const before = await deps.sessions.get(id);
    deps.policy.assertCanEnd(principal, before);
    const session = await deps.sessions.end(id);
    if (before.status === 'live') {
      request.log.info({ session: id, user: principal.userId }, 'session ended');
      await deps.onEnded?.(session);
    }
    return session;
  });

  app.get('/api/sessions/:id/transcript', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const { format } = parseBody(z.object({ format: z.string().default('json') }), request.query);
    const parsedFormat = parseTranscriptFormat(format);
    const session = await deps.sessions.get(id);
    await deps.policy.assertCanView(principal, session);
    const finals = await deps.transcripts.finals(id);
    const body = exportTranscript(finals, parsedFormat, { sessionId: id, title: session.title });
    const filename = `${session.title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || id}.${parsedFormat}`;
    return reply
      .type(TRANSCRIPT_CONTENT_TYPES[parsedFormat])
      .header('content-disposition', `inline; filename="${filename}"`)
      .send(body);
  });

  // The lecture's recorded audio as a WAV, seen by whoever may read its transcript. Ranges let
  // a player seek; while the lecture is live the file grows and each answer covers what is there.
  app.get('/api/sessions/:id/audio', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const session = await deps.sessions.get(id);
    await deps.policy.assertCanView(principal, session);
    const audio = deps.lectureAudio ? await openLectureAudio(deps.lectureAudio, id) : undefined;
    if (!audio)
      throw new AppError(
        'not_found',
        `Session ${id} has no recorded audio (only live lectures' audio is recorded)`,
      );
    // The type is set per answer: a JSON error body must not go out as audio/wav.
    reply.header('accept-ranges', 'bytes').header('cache-control', 'private, no-cache');
    const rangeHeader = request.headers.range;
    if (rangeHeader === undefined) {
      return reply.type('audio/wav').header('content-length', audio.size).send(audio.read());
    }
    const range = parseRange(rangeHeader, audio.size);
    if (!range)
      return reply
        .status(416)
        .type('application/json')
        .header('content-range', `bytes */${audio.size}`)
        .send(
          new AppError(
            'invalid_argument',
            `Range ${rangeHeader} is not satisfiable: the audio has ${audio.size} bytes`,
          ).toJSON(),
        );
    return reply
      .status(206)
      .type('audio/wav')
      .header('content-range', `bytes ${range.start}-${range.end}/${audio.size}`)
      .header('content-length', range.end - range.start + 1)
      .send(audio.read(range));
  });
}
