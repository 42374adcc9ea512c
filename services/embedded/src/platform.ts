import { readFileSync } from 'node:fs';
import { HealthRegistry, createMetricsRegistry, loadConfig, type Logger } from '@lm/kit';
import { Gateway, gatewayConfigSchema } from '@lm/gateway';

export interface EmbeddedPlatform {
  url: string;
  port: number;
  close(): Promise<void>;
}

const rootPackage = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version?: string };

/** Wires every service in one process; each gets its dependencies through its constructor. */
export async function startEmbeddedPlatform(options: {
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<EmbeddedPlatform> {
  const config = loadConfig(gatewayConfigSchema, options.env);
  const health = new HealthRegistry();
  const metrics = createMetricsRegistry('embedded');
  const gateway = new Gateway({
    config,
    logger: options.logger.child({ component: 'gateway' }),
    health,
    metrics,
    version: rootPackage.version ?? '0.0.0',
    mode: 'embedded',
    components: [{ name: 'gateway', detail: 'HTTP API and status page' }],
  });
  const port = await gateway.listen();
  return {
    port,
    url: `http://${config.GATEWAY_HOST}:${port}`,
    close: () => gateway.close(),
  };
}
