import { decodeJwt } from 'jose';
import { AppError } from '../errors.js';
import type { ServiceTokenSource } from './grpcAuth.js';

export interface ClientCredentialsOptions {
  /** The realm's token endpoint (…/realms/<realm>/protocol/openid-connect/token). */
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Renew this long before expiry. */
  renewBeforeSeconds?: number;
  fetch?: typeof fetch;
}

/**
 * A service's identity in Keycloak mode: an OAuth2 client-credentials token of its confidential
 * client, cached until shortly before it expires; concurrent callers share one request.
 */
export class ClientCredentialsTokenSource implements ServiceTokenSource {
  private cached: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: ClientCredentialsOptions) {}

  static forKeycloak(
    keycloakUrl: string,
    realm: string,
    clientId: string,
    clientSecret: string,
  ): ClientCredentialsTokenSource {
    const base = keycloakUrl.replace(/\/+$/, '');
    return new ClientCredentialsTokenSource({
      tokenEndpoint: `${base}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`,
      clientId,
      clientSecret,
    });
  }

  async token(): Promise<string> {
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(this.options.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: this.options.clientId,
          client_secret: this.options.clientSecret,
        }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new AppError('unavailable', 'Identity provider unreachable for a service token', {
        cause: error,
      });
    }
    if (!response.ok) {
      // The body may echo request fields; only the status goes into the error.
      throw new AppError(
        response.status >= 500 ? 'unavailable' : 'unauthenticated',
        `Service token refused by the identity provider (HTTP ${response.status}) for client ${this.options.clientId}`,
      );
    }
    const body = (await response.json()) as { access_token?: unknown };
    if (typeof body.access_token !== 'string')
      throw new AppError('unavailable', 'Identity provider answered without an access token');
    const exp = decodeJwt(body.access_token).exp ?? Math.floor(Date.now() / 1000) + 60;
    const renewAt = (exp - (this.options.renewBeforeSeconds ?? 30)) * 1000;
    this.cached = { token: body.access_token, renewAt };
    return body.access_token;
  }
}
