import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/index.js';

describe('AppError', () => {
  it('maps codes to HTTP and gRPC statuses with a retryable default', () => {
    const e = new AppError('not_found', 'No session abc');
    expect(e.httpStatus).toBe(404);
    expect(e.grpcStatus).toBe(status.NOT_FOUND);
    expect(e.retryable).toBe(false);
    expect(new AppError('unavailable', 'Kafka is down').retryable).toBe(true);
    expect(new AppError('internal', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('serialises to the HTTP error body', () => {
    const e = new AppError('payload_too_large', 'Upload exceeds 100 MB', {
      details: { limitBytes: 100 },
    });
    expect(e.toJSON()).toEqual({
      error: {
        code: 'payload_too_large',
        message: 'Upload exceeds 100 MB',
        retryable: false,
        details: { limitBytes: 100 },
      },
    });
  });

  it('hides the text of unknown failures', () => {
    const e = AppError.from(new Error('password=hunter2 in connection string'));
    expect(e.code).toBe('internal');
    expect(e.message).toBe('Internal error');
  });

  it('rebuilds from a gRPC status, preferring the code hint', () => {
    expect(AppError.fromGrpc(status.PERMISSION_DENIED, 'no').code).toBe('permission_denied');
    expect(AppError.fromGrpc(status.INVALID_ARGUMENT, 'big', 'payload_too_large').code).toBe(
      'payload_too_large',
    );
    expect(AppError.fromGrpc(status.UNKNOWN, '?').code).toBe('internal');
  });
});
