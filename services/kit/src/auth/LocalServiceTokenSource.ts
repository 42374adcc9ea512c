import type { ServiceTokenSource } from './grpcAuth.js';
import type { LocalTokenIssuer } from './LocalTokenIssuer.js';

/**
 * A service's identity in embedded mode: a token from the local issuer shaped like Keycloak's
 * client-credentials token (preferred_username `service-account-<client>`, azp `<client>`).
 */
export class LocalServiceTokenSource implements ServiceTokenSource {
  private cached: { token: string; renewAt: number } | undefined;

  constructor(
    private readonly issuer: LocalTokenIssuer,
    private readonly clientId: string,
  ) {}

  async token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    const ttl = this.issuer.accessTokenTtlSeconds;
    const token = await this.issuer.issueAccessToken({
      userId: `service-${this.clientId}`,
      username: `service-account-${this.clientId}`,
      roles: [],
      clientId: this.clientId,
    });
    this.cached = { token, renewAt: Date.now() + Math.max(1, ttl - 30) * 1000 };
    return token;
  }
}
