import { credentials } from '@grpc/grpc-js';
import { AppError, callUnary, serviceMetadata, type ServiceTokenSource } from '@lm/kit';
import { fromHit, type SearchHit } from '@lm/library';
import { MaterialServiceClient } from '@lm/proto/library/v1/library';
import type { PassageRetriever } from '../TutorService.js';

export interface LibraryRetrieverOptions {
  /** host:port of the library service (LIBRARY_GRPC_ADDRESS). */
  address: string;
  /** The tutor's own identity (client lm-tutor), which the library allows to search for a user. */
  tokens: ServiceTokenSource;
  /** Retrieval sits on the voice-to-voice path: a library that does not answer soon fails the turn. */
  deadlineMs?: number;
}

/**
 * The tutor's passages from the library service (lm.library.v1.MaterialService.Search) instead
 * of a library of its own: the materials lecturers and students uploaded are where the library
 * keeps them. Voice turns come from the bus with no user token, so every search names the
 * student (`for_user_id`) under the tutor's service token; the library accepts that from the
 * tutor only and scopes the search exactly as for the student (their courses, their own notes).
 */
export class LibraryRetriever implements PassageRetriever {
  private readonly client: MaterialServiceClient;
  private readonly tokens: ServiceTokenSource;
  private readonly deadlineMs: number;

  constructor(options: LibraryRetrieverOptions) {
    this.client = new MaterialServiceClient(options.address, credentials.createInsecure());
    this.tokens = options.tokens;
    this.deadlineMs = options.deadlineMs ?? 5000;
  }

  async search(
    query: string,
    options: { courseIds: readonly string[]; viewerId?: string; limit?: number },
  ): Promise<SearchHit[]> {
    // Without a student there is nobody to scope the search to: refuse rather than search wide.
    if (!options.viewerId)
      throw new AppError('invalid_argument', 'A library search is made for a student (viewerId)');
    try {
      const response = await callUnary(
        this.client.search.bind(this.client),
        {
          query,
          courseIds: [...options.courseIds],
          limit: options.limit ?? 5,
          forUserId: options.viewerId,
        },
        { metadata: await serviceMetadata(this.tokens), deadlineMs: this.deadlineMs },
      );
      return response.hits.map(fromHit);
    } catch (error) {
      // Same code and retryability, with where it failed in the message (the tutor logs it).
      const cause = AppError.from(error);
      throw new AppError(cause.code, `Library search failed: ${cause.message}`, {
        cause: error,
        retryable: cause.retryable,
        ...(cause.details ? { details: cause.details } : {}),
      });
    }
  }

  close(): void {
    this.client.close();
  }
}
