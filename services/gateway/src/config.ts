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
  /**
   * Proxies in front of the gateway whose X-Forwarded-For is believed, so that per-client limits
   * (login attempts) see the client and not the ingress: empty (none, the default), `true` (any),
   * or comma-separated addresses/CIDRs of the proxies.
   */
  GATEWAY_TRUST_PROXY: z
    .string()
    .default('')
    .transform((v): TrustProxy => parseTrustProxy(v)),
  /** Keycloak mode: the lm-gateway client's secret, for the gateway's own service token. */
  LM_CLIENT_SECRET_GATEWAY: z.string().optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Fastify's `trustProxy`: off, any proxy, or the proxies' addresses (comma-separated). */
export type TrustProxy = boolean | string;

export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  return v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .join(',');
}
