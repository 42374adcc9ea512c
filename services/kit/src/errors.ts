import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Stable error codes. Clients match on these; never rename one.
 * Each has one HTTP status and one gRPC status, and says whether retrying can help.
 */
export const ERROR_CODES = {
  invalid_argument: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false },
  unauthenticated: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, retryable: false },
  permission_denied: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, retryable: false },
  not_found: { http: 404, grpc: GrpcStatus.NOT_FOUND, retryable: false },
  already_exists: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS, retryable: false },
  failed_precondition: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION, retryable: false },
  payload_too_large: { http: 413, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false },
  unsupported_media_type: { http: 415, grpc: GrpcStatus.INVALID_ARGUMENT, retryable: false },
  rate_limited: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED, retryable: true },
  resource_exhausted: { http: 503, grpc: GrpcStatus.RESOURCE_EXHAUSTED, retryable: true },
  cancelled: { http: 499, grpc: GrpcStatus.CANCELLED, retryable: false },
  deadline_exceeded: { http: 504, grpc: GrpcStatus.DEADLINE_EXCEEDED, retryable: true },
  unavailable: { http: 503, grpc: GrpcStatus.UNAVAILABLE, retryable: true },
  internal: { http: 500, grpc: GrpcStatus.INTERNAL, retryable: false },
} as const satisfies Record<string, { http: number; grpc: GrpcStatus; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** Overrides the code's default (e.g. an internal error known to be transient). */
  retryable?: boolean;
  /** Safe, structured details for the client (field names, limits) — never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type that crosses a service boundary. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get grpcStatus(): GrpcStatus {
    return ERROR_CODES[this.code].grpc;
  }

  /** The JSON body every HTTP error response carries. */
  toJSON(): {
    error: {
      code: ErrorCode;
      message: string;
      retryable: boolean;
      details?: Record<string, unknown>;
    };
  } {
    return {
      error: {
        code: this.code,
        message: this.message,
        retryable: this.retryable,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }

  static is(value: unknown): value is AppError {
    return value instanceof AppError;
  }

  /** Any thrown value as an AppError; unknown failures become `internal` without leaking their text. */
  static from(value: unknown): AppError {
    if (value instanceof AppError) return value;
    return new AppError('internal', 'Internal error', { cause: value });
  }

  /** Rebuilds an AppError from a gRPC status received by a client. */
  static fromGrpc(grpcCode: GrpcStatus, message: string, codeHint?: string): AppError {
    if (codeHint && codeHint in ERROR_CODES) return new AppError(codeHint as ErrorCode, message);
    const match = (Object.keys(ERROR_CODES) as ErrorCode[]).find(
      (code) => ERROR_CODES[code].grpc === grpcCode,
    );
    return new AppError(match ?? 'internal', message);
  }
}
