import { z } from 'zod';
import { env } from '@lm/kit';

export const gatewayConfigSchema = z.object({
  GATEWAY_HOST: env.host('127.0.0.1'),
  GATEWAY_PORT: env.port(8080),
  LOG_LEVEL: env.logLevel(),
  /** Largest HTTP body accepted (uploads have their own limit). */
  GATEWAY_BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
  /** Distributed mode: the media service's gRPC address (host:port); unset, no WebRTC. */
  MEDIA_GRPC_ADDRESS: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined))
    .pipe(
      z
        .string()
        .regex(/^(grpc:\/\/)?[^\s/:]+:\d{1,5}$/, 'must be host:port (or grpc://host:port)')
        .optional(),
    ),
  /** Keycloak mode: the lm-gateway client's secret, for the gateway's own service token. */
  LM_CLIENT_SECRET_GATEWAY: z.string().optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
