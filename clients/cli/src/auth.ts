import { GatewayClient } from './GatewayClient.js';

/** The development lecturer seeded in embedded mode (docs/development.md); never exists in production. */
export const DEV_LECTURER = { email: 'lecturer@example.test', password: 'lecturer-dev-password' };

export interface ConnectOptions {
  url: string;
  token?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
}

/**
 * A client with a token: from --token/LM_TOKEN, or by signing in with --email/--password
 * (LM_EMAIL/LM_PASSWORD); against a platform on this machine, the seeded development lecturer
 * is used when nothing else is given, so `lm caption` works out of the box.
 */
export async function connect(options: ConnectOptions): Promise<GatewayClient> {
  const client = new GatewayClient(options.url, options.token);
  if (options.token) return client;
  if (options.email && options.password) {
    await client.login(options.email, options.password);
    return client;
  }
  if (isLoopback(options.url)) {
    await client.login(DEV_LECTURER.email, DEV_LECTURER.password);
    return client;
  }
  throw new Error(
    'No credentials: pass --token, or --email and --password (or set LM_TOKEN / LM_EMAIL and LM_PASSWORD)',
  );
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
}
