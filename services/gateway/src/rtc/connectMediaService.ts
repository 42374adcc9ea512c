import type { Identity } from '@lm/identity';
import {
  AppError,
  ClientCredentialsTokenSource,
  type Logger,
  type ServiceTokenSource,
} from '@lm/kit';
import { GrpcMediaSignalingPort } from './GrpcMediaSignalingPort.js';

/** The gateway's client id: the media service lets only this client drive rooms. */
export const GATEWAY_CLIENT_ID = 'lm-gateway';

export interface ConnectMediaServiceOptions {
  /** MEDIA_GRPC_ADDRESS: `host:port` of the media service. */
  address: string;
  identity: Pick<Identity, 'mode' | 'serviceTokens'>;
  /** Keycloak mode: where the gateway gets its client-credentials token. */
  keycloakUrl?: string | undefined;
  realm: string;
  /** LM_CLIENT_SECRET_GATEWAY: the secret of the lm-gateway client (Keycloak mode only). */
  clientSecret?: string | undefined;
  logger: Logger;
}

/**
 * The media service's gRPC client for the distributed gateway, with the gateway's own identity:
 * a client-credentials token of lm-gateway with Keycloak, else a token of the local signer (the
 * media service verifies it with the gateway's /api/auth/jwks.json).
 */
export function connectMediaService(options: ConnectMediaServiceOptions): GrpcMediaSignalingPort {
  let tokens: ServiceTokenSource;
  if (options.identity.mode === 'keycloak') {
    if (!options.keycloakUrl || !options.clientSecret) {
      throw new AppError(
        'invalid_argument',
        'Invalid configuration:\n  LM_CLIENT_SECRET_GATEWAY: required with KEYCLOAK_URL and MEDIA_GRPC_ADDRESS (unset)',
        { details: { variables: ['LM_CLIENT_SECRET_GATEWAY'] } },
      );
    }
    tokens = ClientCredentialsTokenSource.forKeycloak(
      options.keycloakUrl,
      options.realm,
      GATEWAY_CLIENT_ID,
      options.clientSecret,
    );
  } else {
    tokens = options.identity.serviceTokens(GATEWAY_CLIENT_ID);
  }
  const port = new GrpcMediaSignalingPort({
    address: options.address,
    tokens,
    logger: options.logger,
  });
  options.logger.info({ address: options.address }, 'WebRTC signaling goes to the media service');
  return port;
}
