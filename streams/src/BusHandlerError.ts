/**
 * What a handler throws to say whether trying again can help. Handlers may throw any error; the
 * bus only looks at a `retryable` property (duck-typed), so @lm/kit's AppError works the same.
 */
export class BusHandlerError extends Error {
  override readonly name = 'BusHandlerError';
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** True only for errors that say so (`retryable === true`); anything else is dead-lettered at once. */
export function isRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true
  );
}

/** A short, single-line description of any thrown value for logs and dead-letter headers. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix = typeof code === 'string' && code !== '' ? `${error.name}[${code}]` : error.name;
    return `${prefix}: ${error.message}`.replace(/\s+/g, ' ').slice(0, 1000);
  }
  return String(error).replace(/\s+/g, ' ').slice(0, 1000);
}

/** The bus was used wrongly (closed, bad config); not a message failure. */
export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
