import { AppError, endUserOf, unaryHandler, type GrpcCallContext, type Logger } from '@lm/kit';
import {
  ExportFormat,
  SegmentKind,
  type ExportTranscriptRequest,
  type ExportTranscriptResponse,
  type GetTranscriptRequest,
  type Transcript,
  type TranscriptServiceServer,
} from '@lm/proto/transcript/v1/transcript';
import type { CourseAccess } from '../grpc/CourseAccess.js';
import type { TranscriptOwners } from '../grpc/TranscriptOwners.js';
import { TRANSCRIPT_CONTENT_TYPES, exportTranscript, type TranscriptFormat } from './export.js';
import type { TranscriptStore } from './TranscriptStore.js';

const FORMATS: Partial<Record<ExportFormat, TranscriptFormat>> = {
  [ExportFormat.EXPORT_FORMAT_VTT]: 'vtt',
  [ExportFormat.EXPORT_FORMAT_SRT]: 'srt',
  [ExportFormat.EXPORT_FORMAT_TXT]: 'txt',
  [ExportFormat.EXPORT_FORMAT_JSON]: 'json',
};

/** Every TranscriptService method acts for a user — for `withCallerIdentity`. */
export const TRANSCRIPT_SERVICE_END_USER = 'required';

/**
 * lm.transcript.v1.TranscriptService: stored finals of a session, whole or exported. Callers are
 * services (the kit's caller-identity wrapper checks that), acting for a user whose own token
 * (`x-lm-user-token`) decides here whether the session's transcript may be read: its creator or
 * a member of its course. An unknown session is not found; someone else's is refused.
 */
export function transcriptGrpcService(
  store: TranscriptStore,
  logger: Logger,
  auth: {
    access: Pick<CourseAccess, 'assertCanViewSession'>;
    owners: Pick<TranscriptOwners, 'of'>;
  },
): TranscriptServiceServer {
  const sessionId = (id: string) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id))
      throw new AppError('invalid_argument', 'Malformed session id');
    return id;
  };
  const authorized = async (id: string, context: GrpcCallContext) => {
    const user = endUserOf(context.metadata);
    const owner = await auth.owners.of(id);
    if (!owner) throw new AppError('not_found', `No session ${id}`);
    await auth.access.assertCanViewSession(user, owner);
    return id;
  };
  return {
    getTranscript: unaryHandler<GetTranscriptRequest, Transcript>(logger, async (request, ctx) => {
      const id = await authorized(sessionId(request.sessionId), ctx);
      const finals = await store.finals(id);
      return {
        sessionId: id,
        segments: finals.map((f) => ({
          sessionId: id,
          streamId: '',
          segmentIndex: f.segmentIndex,
          revision: 0,
          kind: SegmentKind.SEGMENT_KIND_FINAL,
          text: f.text,
          words: f.words,
          startMs: f.startMs,
          endMs: f.endMs,
          language: 'en',
          emittedAtMs: 0,
          audioCapturedAtMs: 0,
          endOfTurn: false,
          streamEnded: false,
        })),
      };
    }),
    exportTranscript: unaryHandler<ExportTranscriptRequest, ExportTranscriptResponse>(
      logger,
      async (request, ctx) => {
        const id = await authorized(sessionId(request.sessionId), ctx);
        const format = FORMATS[request.format];
        if (!format) throw new AppError('invalid_argument', 'format must be VTT, SRT, TXT or JSON');
        const body = exportTranscript(await store.finals(id), format, { sessionId: id });
        return { contentType: TRANSCRIPT_CONTENT_TYPES[format], body };
      },
    ),
  };
}
