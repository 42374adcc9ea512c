import type { Metadata } from '@grpc/grpc-js';
import { AppError, serviceMetadata, type ServiceTokenSource } from '@lm/kit';
import type { UserTokenContext } from './UserTokenContext.js';

/**
 * The metadata of every call the gateway makes to a service: the gateway's own identity
 * (`authorization: Bearer <service token>`) and, for calls made while serving a user, that
 * user's access token (`x-lm-user-token`), which the service verifies itself.
 */
export class RemoteCallAuth {
  constructor(
    private readonly tokens: ServiceTokenSource,
    private readonly users: UserTokenContext,
  ) {}

  /** For a call on behalf of the current request's user; refused without one. */
  async forUser(): Promise<Metadata> {
    const userToken = this.users.current();
    if (!userToken) throw new AppError('unauthenticated', 'Sign in first: no bearer token');
    return serviceMetadata(this.tokens, userToken);
  }

  /** For a call the gateway makes as itself (the user's token is added when there is one). */
  async asService(): Promise<Metadata> {
    return serviceMetadata(this.tokens, this.users.current());
  }
}
