import { z } from 'zod';
import { env } from '@lm/kit';

export const gatewayConfigSchema = z.object({
  GATEWAY_HOST: env.host('127.0.0.1'),
  GATEWAY_PORT: env.port(8080),
  LOG_LEVEL: env.logLevel(),
  /** Largest HTTP body accepted (uploads have their own limit). */
  GATEWAY_BODY_LIMIT_BYTES: env.positiveInt(1024 * 1024),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
