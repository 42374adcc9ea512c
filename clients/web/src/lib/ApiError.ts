/** An error answered by the gateway (or the network), with words a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** A sentence for the page: the server's message, or what a status usually means. */
  get plain(): string {
    if (this.status === 0)
      return 'The server cannot be reached. Check your connection and try again.';
    if (this.status === 401) return this.message || 'Please sign in again.';
    if (this.status === 429) return 'Too many attempts. Please wait a moment and try again.';
    if (this.status >= 500) return `The server had a problem (${this.message}). Please try again.`;
    return this.message;
  }
}

export function plainError(error: unknown): string {
  if (error instanceof ApiError) return error.plain;
  if (error instanceof Error) return error.message;
  return String(error);
}
