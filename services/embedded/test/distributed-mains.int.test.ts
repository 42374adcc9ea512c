import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { callUnary } from '@lm/kit';
import { TranscriptServiceClient } from '@lm/proto/transcript/v1/transcript';

// Each service's entry point (the one its Dockerfile runs) starts against real Kafka and
// PostgreSQL, becomes ready, and stops cleanly on SIGTERM.
const kafka = process.env.KAFKA_BROKERS;
const database = process.env.DATABASE_URL;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

async function startService(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; opsPort: number; grpcPort: number; output: () => string }> {
  const [opsPort, grpcPort] = [await freePort(), await freePort()];
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    env: {
      ...process.env,
      KAFKA_BROKERS: kafka,
      DATABASE_URL: database,
      LM_TOPIC_PREFIX: `mains-${Date.now().toString(36)}.`,
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      LOG_LEVEL: 'warn',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(opsPort),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${output.slice(-2000)}`);
    const ready = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, opsPort, grpcPort, output: () => output };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} not ready within 90 s:\n${output.slice(-2000)}`);
}

async function stopsCleanly(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.kill('SIGTERM');
  return exited;
}

describe('service entry points in distributed mode (real Kafka and PostgreSQL)', () => {
  it('has the servers it needs', () => {
    expect(kafka, 'KAFKA_BROKERS is unset: start Kafka with scripts/infra/kafka.sh').toBeTruthy();
    expect(
      database,
      'DATABASE_URL is unset: start PostgreSQL with scripts/infra/postgres.sh',
    ).toBeTruthy();
  });

  it('library: ready, serves stored transcripts over gRPC, stops on SIGTERM', async () => {
    const { child, grpcPort } = await startService('library');
    const client = new TranscriptServiceClient(
      `127.0.0.1:${grpcPort}`,
      credentials.createInsecure(),
    );
    const transcript = await callUnary(client.getTranscript.bind(client), {
      sessionId: 'no-such-session',
    });
    expect(transcript).toEqual({ sessionId: 'no-such-session', segments: [] });
    await expect(
      callUnary(client.getTranscript.bind(client), { sessionId: '../etc' }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    client.close();
    expect(await stopsCleanly(child)).toBe(0);
  });

  it('gateway: ready with Keycloak identity, refuses a request without a token, stops on SIGTERM', async () => {
    const keycloak = process.env.KEYCLOAK_URL;
    expect(
      keycloak,
      'KEYCLOAK_URL is unset: start Keycloak with scripts/infra/keycloak.sh',
    ).toBeTruthy();
    const { child, opsPort } = await startService('gateway', {
      KEYCLOAK_URL: keycloak ?? '',
      LM_DATA_DIR: `/tmp/lm-gateway-main-${process.pid}`,
    });
    const status = (await (await fetch(`http://127.0.0.1:${opsPort}/api/status`)).json()) as {
      mode: string;
    };
    expect(status.mode).toBe('distributed');
    const refused = await fetch(`http://127.0.0.1:${opsPort}/api/courses`);
    expect(refused.status).toBe(401);
    expect(await stopsCleanly(child)).toBe(0);
  });

  for (const name of ['transcriber', 'jobs', 'speech', 'tutor']) {
    it(`${name}: ready, stops on SIGTERM`, async () => {
      const { child } = await startService(name);
      expect(await stopsCleanly(child)).toBe(0);
    });
  }
});
