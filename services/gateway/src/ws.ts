import type { WebSocket } from 'ws';
import { AppError } from '@lm/kit';

/** WebSocket close codes for errors: 4000 + the HTTP status of the AppError code. */
export function closeCodeFor(error: AppError): number {
  return 4000 + error.httpStatus;
}

/** Tells the client what went wrong in one JSON frame, then closes with a matching code. */
export function closeWithError(socket: WebSocket, error: unknown): void {
  const appError = AppError.from(error);
  if (socket.readyState === socket.OPEN) {
    socket.send(
      JSON.stringify({
        type: 'error',
        code: appError.code,
        message: appError.message,
        retryable: appError.retryable,
      }),
    );
    // Close reasons are limited to 123 bytes.
    socket.close(closeCodeFor(appError), appError.message.slice(0, 120));
  } else {
    socket.terminate();
  }
}

/** A bearer token from the Authorization header, or `access_token` in the query (browsers cannot set headers on WebSockets). */
export function bearerToken(
  headers: Record<string, string | string[] | undefined>,
  query: unknown,
): string | undefined {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value?.startsWith('Bearer ')) return value.slice('Bearer '.length).trim();
  if (query && typeof query === 'object' && 'access_token' in query) {
    const token = (query as { access_token?: unknown }).access_token;
    if (typeof token === 'string' && token) return token;
  }
  return undefined;
}
