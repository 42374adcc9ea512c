import { AppError, unaryHandler, type Logger } from '@lm/kit';
import {
  ExportFormat,
  SegmentKind,
  type ExportTranscriptRequest,
  type ExportTranscriptResponse,
  type GetTranscriptRequest,
  type Transcript,
  type TranscriptServiceServer,
} from '@lm/proto/transcript/v1/transcript';
import { TRANSCRIPT_CONTENT_TYPES, exportTranscript, type TranscriptFormat } from './export.js';
import type { TranscriptStore } from './TranscriptStore.js';

const FORMATS: Partial<Record<ExportFormat, TranscriptFormat>> = {
  [ExportFormat.EXPORT_FORMAT_VTT]: 'vtt',
  [ExportFormat.EXPORT_FORMAT_SRT]: 'srt',
  [ExportFormat.EXPORT_FORMAT_TXT]: 'txt',
  [ExportFormat.EXPORT_FORMAT_JSON]: 'json',
};

/**
 * lm.transcript.v1.TranscriptService: stored finals of a session, whole or exported. Callers are
 * services (the gateway checks the user's access before asking), identified by the kit's gRPC
 * caller-identity wrapper where the server installs it.
 */
export function transcriptGrpcService(
  store: TranscriptStore,
  logger: Logger,
): TranscriptServiceServer {
  const sessionId = (id: string) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id))
      throw new AppError('invalid_argument', 'Malformed session id');
    return id;
  };
  return {
    getTranscript: unaryHandler<GetTranscriptRequest, Transcript>(logger, async (request) => {
      const id = sessionId(request.sessionId);
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
      async (request) => {
        const id = sessionId(request.sessionId);
        const format = FORMATS[request.format];
        if (!format) throw new AppError('invalid_argument', 'format must be VTT, SRT, TXT or JSON');
        const body = exportTranscript(await store.finals(id), format, { sessionId: id });
        return { contentType: TRANSCRIPT_CONTENT_TYPES[format], body };
      },
    ),
  };
}
