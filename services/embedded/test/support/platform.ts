import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { GatewayClient } from '@lm/cli';
import { DEV_COURSE, DEV_USERS } from '@lm/identity';
import { createLogger } from '@lm/kit';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '../../src/platform.js';

export interface Account {
  email: string;
  password: string;
}

const account = (index: number): Account => {
  const { email, password } = DEV_USERS[index]!;
  return { email, password };
};

/** The seeded development accounts: the lecturer and student1 are in the course, student2 is not. */
export const DEV = {
  lecturer: account(0),
  student: account(1),
  outsider: account(2),
  admin: account(3),
  course: DEV_COURSE.id,
} as const;

export interface TestPlatform extends EmbeddedPlatform {
  dataDir: string;
  /** A client signed in as `who` (one per account, reused). */
  signIn(who: Account): Promise<GatewayClient>;
  stop(): Promise<void>;
}

/** The whole embedded platform on a free loopback port with its own data folder. */
export async function startTestPlatform(
  extraEnv: Record<string, string> = {},
): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lm-platform-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LM_CACHE_DIR: process.env.LM_CACHE_DIR,
    LM_MODELS_DIR: process.env.LM_MODELS_DIR,
    MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    LM_DATA_DIR: dataDir,
    MEDIA_WORKERS: '1',
    ...extraEnv,
  };
  const logger = createLogger({
    service: 'platform-test',
    level: process.env.LOG_LEVEL ?? 'warn',
  });
  const platform = await startEmbeddedPlatform({ logger, env });
  const clients = new Map<string, GatewayClient>();
  return {
    ...platform,
    dataDir,
    signIn: async (who) => {
      const known = clients.get(who.email);
      if (known) return known;
      const client = new GatewayClient(platform.url);
      await client.login(who.email, who.password);
      clients.set(who.email, client);
      return client;
    },
    stop: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The next JSON frame on a socket; fails if the socket closes first. */
export function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as never));
    socket.once('close', (code, reason) =>
      reject(new Error(`socket closed (${code}) ${reason.toString()}`)),
    );
  });
}
