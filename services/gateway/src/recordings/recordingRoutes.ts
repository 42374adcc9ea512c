import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessPolicy } from '@lm/identity';
import type { Recording } from '@lm/api';
import type { RecordingJobs } from '@lm/jobs';
import { AppError, type Principal } from '@lm/kit';
import {
  TRANSCRIPT_CONTENT_TYPES,
  exportTranscript,
  parseTranscriptFormat,
  type TranscriptStore,
} from '@lm/library';
import { parseBody } from '../sessions/sessionRoutes.js';
import { MultipartFile, isMultipart, registerMultipartParser } from './MultipartFile.js';
import { parseRange } from './parseRange.js';

export interface RecordingRoutesDeps {
  recordings: RecordingJobs;
  transcripts: TranscriptStore;
  /** Course questions (the identity package's AccessPolicy). */
  access: Pick<
    AccessPolicy,
    'courseRole' | 'assertCourseMember' | 'assertCourseLecturer' | 'courseIdsVisibleTo'
  >;
  authenticate(request: FastifyRequest): Promise<Principal>;
}

/** What an upload may be: any audio type ffmpeg reads, and WebM from browser recorders. */
const UPLOAD_TYPE = /^(audio\/[a-z0-9.+-]+|video\/webm)$/;
/**
 * A form part typed application/octet-stream (what many clients send for any file) is typed
 * by its file name's extension instead.
 */
const AUDIO_EXTENSIONS: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  oga: 'audio/ogg',
  flac: 'audio/flac',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  webm: 'audio/webm',
};
/** Room for a form's boundaries and part headers around the file, in the early size check. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const ident = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed id');

const uploadQuery = z.object({
  title: z
    .string()
    .trim()
    .min(1)
    .max(200)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'Control characters are not allowed')
    .default('Recording'),
  courseId: ident.optional(),
});

const idParams = z.object({ id: ident });

/**
 * Recordings and their transcription jobs: upload (streamed to disk, with a size limit), list,
 * read, play (with HTTP ranges), transcript export, delete; and job status. A recording is seen
 * by its uploader and by the members of its course; someone else's looks like no recording.
 */
export function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRoutesDeps): void {
  // Their own plugin scope, so the pass-through body parsers below apply to these routes only.
  void app.register((scoped, _options, done) => {
    registerScoped(scoped, deps);
    done();
  });
}

function registerScoped(app: FastifyInstance, deps: RecordingRoutesDeps): void {
  const { recordings } = deps;
  // Upload bodies are streamed to disk as they arrive, never buffered whole: the route checks
  // the type and counts the bytes. Every type is let through here so the answer is our 415.
  // The built-in JSON and text parsers go too: a big text/plain body must get our 415, not their 413.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // multipart/form-data: the route streams its one file part to disk the same way.
  registerMultipartParser(app);

  /** The recording if the caller may see it, else not_found (existence is not disclosed). */
  const visibleRecording = async (principal: Principal, id: string): Promise<Recording> => {
    const recording = await recordings.recording(id);
    if (recording.ownerId === principal.userId && principal.kind === 'user') return recording;
    if (recording.courseId && (await deps.access.courseRole(principal, recording.courseId)))
      return recording;
    throw new AppError('not_found', `No recording ${id}`);
  };

  app.post('/api/recordings', async (request, reply) => {
    if (isMultipart(request)) return uploadForm(request, reply);
    const principal = await deps.authenticate(request);
    if (principal.kind !== 'user')
      throw new AppError('permission_denied', 'Recordings are uploaded by people, not services');
    const query = parseBody(uploadQuery, request.query);
    const contentType =
      (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!UPLOAD_TYPE.test(contentType)) {
      drain(request);
      throw new AppError(
        'unsupported_media_type',
        `Content-Type ${contentType ? `"${contentType}"` : '(none)'} is not accepted: send the audio file's bytes as the body with an audio/* type (e.g. audio/wav, audio/mpeg, audio/ogg, audio/webm) or video/webm`,
      );
    }
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > recordings.maxUploadBytes) {
      drain(request);
      throw new AppError(
        'payload_too_large',
        `The recording is ${megabytes(declared)}; the limit is ${megabytes(recordings.maxUploadBytes)}`,
        { details: { maxBytes: recordings.maxUploadBytes } },
      );
    }
    if (declared === 0 || !(request.body instanceof Readable))
      throw new AppError(
        'invalid_argument',
        'The upload is empty: send the audio file as the request body',
      );
    if (query.courseId) await deps.access.assertCourseLecturer(principal, query.courseId);

    const { recording, job } = await recordings.upload({
      ownerId: principal.userId,
      courseId: query.courseId ?? null,
      title: query.title,
      contentType,
      body: request.body,
    });
    request.log.info(
      { recording: recording.id, job: job.id, user: principal.userId, bytes: recording.sizeBytes },
      'recording uploaded',
    );
    return reply.status(202).send({
      recordingId: recording.id,
      recording,
      job: { id: job.id, state: job.state, progress: job.progress },
    });
  });

  /**
   * The same upload as a multipart/form-data form with one file field: the part's type (or its
   * file name's extension) must be audio, and the file streams to disk as it arrives.
   */
  const uploadForm = async (request: FastifyRequest, reply: FastifyReply) => {
    let file: MultipartFile | undefined;
    let principal: Principal;
    let query: z.infer<typeof uploadQuery>;
    let contentType: string;
    try {
      principal = await deps.authenticate(request);
      if (principal.kind !== 'user')
        throw new AppError('permission_denied', 'Recordings are uploaded by people, not services');
      query = parseBody(uploadQuery, request.query);
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (
        Number.isFinite(declared) &&
        declared > recordings.maxUploadBytes + MULTIPART_OVERHEAD_BYTES
      ) {
        throw new AppError(
          'payload_too_large',
          `The form is ${megabytes(declared)}; the limit for the recording is ${megabytes(recordings.maxUploadBytes)}`,
          { details: { maxBytes: recordings.maxUploadBytes } },
        );
      }
      if (query.courseId) await deps.access.assertCourseLecturer(principal, query.courseId);
      file = await MultipartFile.open(request, {
        maxBytes: recordings.maxUploadBytes,
        what: 'recording',
      });
      contentType = audioTypeOf(file);
      if (!UPLOAD_TYPE.test(contentType)) {
        throw new AppError(
          'unsupported_media_type',
          `The file part "${file.filename}" is ${contentType ? `"${contentType}"` : 'untyped'}, not audio: send an audio file (e.g. audio/wav, audio/mpeg, audio/ogg, audio/webm) or video/webm`,
        );
      }
    } catch (error) {
      // A refused form is still arriving: let it go by so the answer gets through.
      if (file) file.discard();
      else request.raw.resume();
      throw error;
    }
    const title =
      (request.query as { title?: unknown }).title === undefined && file.filename
        ? file.filename.replace(/\.[A-Za-z0-9]{1,5}$/, '').slice(0, 200) || query.title
        : query.title;
    let uploaded: Awaited<ReturnType<RecordingJobs['upload']>>;
    try {
      uploaded = await recordings.upload({
        ownerId: principal.userId,
        courseId: query.courseId ?? null,
        title,
        contentType,
        body: file.stream,
      });
    } catch (error) {
      // Too large, or the client went away: whatever of the form is left is dropped.
      file.discard();
      throw error;
    }
    const { recording, job } = uploaded;
    try {
      await file.finish();
    } catch (error) {
      // A second file: the first is not kept either, the form as a whole is refused.
      await recordings.delete(recording.id);
      throw error;
    }
    request.log.info(
      { recording: recording.id, job: job.id, user: principal.userId, bytes: recording.sizeBytes },
      'recording uploaded (form)',
    );
    return reply.status(202).send({
      recordingId: recording.id,
      recording,
      job: { id: job.id, state: job.state, progress: job.progress },
    });
  };

  app.get('/api/recordings', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseBody(z.object({ courseId: ident.optional() }), request.query);
    if (query.courseId) {
      await deps.access.assertCourseMember(principal, query.courseId);
      return { recordings: await recordings.list({ courseIds: [query.courseId] }) };
    }
    return {
      recordings: await recordings.list({
        ...(principal.kind === 'user' ? { ownerId: principal.userId } : {}),
        courseIds: await deps.access.courseIdsVisibleTo(principal),
      }),
    };
  });

  app.get('/api/recordings/:id', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    return visibleRecording(principal, id);
  });

  app.get('/api/recordings/:id/audio', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const recording = await visibleRecording(principal, id);
    const size = await recordings.audioSize(id);
    if (size === undefined) throw new AppError('not_found', `The audio of recording ${id} is gone`);
    void reply.header('accept-ranges', 'bytes').type(recording.contentType);
    const rangeHeader = request.headers.range;
    if (!rangeHeader) {
      return reply.header('content-length', size).send(recordings.audio(id));
    }
    const range = parseRange(rangeHeader, size);
    if (!range) {
      return reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .type('application/json')
        .send(new AppError('invalid_argument', `Range ${rangeHeader} is not satisfiable`).toJSON());
    }
    return reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1)
      .send(recordings.audio(id, range));
  });

  app.get('/api/recordings/:id/transcript', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const { format } = parseBody(z.object({ format: z.string().default('json') }), request.query);
    const parsedFormat = parseTranscriptFormat(format);
    const recording = await visibleRecording(principal, id);
    const job = recording.job;
    if (job && job.state !== 'succeeded') {
      throw new AppError(
        'failed_precondition',
        job.state === 'failed'
          ? `The transcription failed (${job.error?.code ?? 'internal'}): ${job.error?.message ?? ''}`
          : `The recording is still being transcribed (${job.state}, ${Math.round(job.progress * 100)} %)`,
        { details: { job: { id: job.id, state: job.state, progress: job.progress } } },
      );
    }
    const finals = await deps.transcripts.finals(recording.sessionId);
    const body = exportTranscript(finals, parsedFormat, {
      sessionId: recording.sessionId,
      title: recording.title,
    });
    const filename = `${recording.title.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || id}.${parsedFormat}`;
    return reply
      .type(TRANSCRIPT_CONTENT_TYPES[parsedFormat])
      .header('content-disposition', `inline; filename="${filename}"`)
      .send(body);
  });

  app.delete('/api/recordings/:id', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const recording = await visibleRecording(principal, id);
    const isOwner = principal.kind === 'user' && recording.ownerId === principal.userId;
    if (
      !isOwner &&
      !(
        recording.courseId &&
        (await deps.access.courseRole(principal, recording.courseId)) === 'lecturer'
      )
    )
      throw new AppError(
        'permission_denied',
        'Only the uploader or a lecturer of the course may delete this recording',
      );
    await recordings.delete(id);
    request.log.info({ recording: id, user: principal.userId }, 'recording deleted');
    return reply.status(204).send();
  });

  app.get('/api/jobs/:id', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(idParams, request.params);
    const { ownerId, ...job } = await recordings.job(id);
    if (ownerId !== principal.userId) throw new AppError('not_found', `No job ${id}`);
    return job;
  });
}

/** The part's own audio type, or its extension's when the part is untyped or octet-stream. */
function audioTypeOf(file: MultipartFile): string {
  if (file.mediaType && file.mediaType !== 'application/octet-stream') return file.mediaType;
  const extension = file.filename.split('.').pop()?.toLowerCase() ?? '';
  return AUDIO_EXTENSIONS[extension] ?? file.mediaType;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** Lets an upload that is refused before its body was read go by, so the answer gets through. */
function drain(request: FastifyRequest): void {
  if (request.body instanceof Readable) request.body.resume();
}
