import { AppError } from '@lm/kit';
import {
  mediaRequestSchema,
  type MediaMethod,
  type MediaRequest,
  type MediaResponse,
} from './signaling.js';

/** A signaling request that passed validation, or the response that refuses it. */
export type ParsedMediaRequest =
  { ok: true; request: MediaRequest } | { ok: false; response: MediaResponse };

/**
 * Parses and validates one signaling message (JSON text, a Buffer, or an object). The media
 * service and the gateway's gRPC client share it, so a bad request gets the same answer wherever
 * it is caught.
 */
export function parseMediaRequest(raw: unknown): ParsedMediaRequest {
  let message: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    try {
      message = JSON.parse(raw.toString()) as unknown;
    } catch {
      return {
        ok: false,
        response: mediaFailure(
          null,
          null,
          new AppError('invalid_argument', 'signaling message is not JSON'),
        ),
      };
    }
  }
  const parsed = mediaRequestSchema.safeParse(message);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.map(String).join('.') ?? '';
  return {
    ok: false,
    response: mediaFailure(
      peekId(message),
      null,
      new AppError(
        'invalid_argument',
        `invalid signaling request: ${where} ${issue?.message ?? ''}`.trim(),
      ),
    ),
  };
}

/** The response that reports an error to the client. */
export function mediaFailure(
  id: string | number | null,
  method: MediaMethod | null,
  error: AppError,
): MediaResponse {
  return {
    id,
    method,
    ok: false,
    error: { code: error.code, message: error.message, retryable: error.retryable },
  };
}

function peekId(message: unknown): string | number | null {
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const value = message.id;
    if (typeof value === 'string' || typeof value === 'number') return value;
  }
  return null;
}
