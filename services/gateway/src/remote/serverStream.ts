import type { ClientReadableStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '@lm/kit';

/**
 * A server-streaming gRPC call as an async iterable. Aborting `signal` (or leaving the loop
 * early) cancels the call; a status error becomes the AppError the server threw.
 */
export async function* serverStream<Req, Res>(
  open: (request: Req, metadata: Metadata) => ClientReadableStream<Res>,
  request: Req,
  metadata: Metadata,
  signal?: AbortSignal,
): AsyncGenerator<Res> {
  const call = open(request, metadata);
  const cancel = () => call.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for await (const item of call as AsyncIterable<Res>) yield item;
  } catch (error) {
    if (signal?.aborted) return;
    throw isServiceError(error) ? fromServiceError(error) : error;
  } finally {
    signal?.removeEventListener('abort', cancel);
    call.cancel();
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}
