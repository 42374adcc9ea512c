import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import {
  createLogger,
  createMetricsRegistry,
  HealthRegistry,
  loadConfig,
  LocalTokenIssuer,
  type Logger,
} from '@lm/kit';
import { Db } from '@lm/db';
import {
  createIdentity,
  DEV_COURSE,
  DEV_USERS,
  LoginRateLimiter,
  PasswordHasher,
  seedDevData,
  type Identity,
} from '@lm/identity';
import { Gateway, gatewayConfigSchema } from '../../src/index.js';
import { registerIdentityRoutes } from '../../src/auth/identityRoutes.js';
import type { Authenticator } from '../../src/auth/Authenticator.js';
import type { FastifyInstance } from 'fastify';

export type DevUserName = 'lecturer' | 'student1' | 'student2' | 'admin';
export type Caller = DevUserName | 'service' | 'anonymous';

const ISSUER = 'http://127.0.0.1:1/auth';
const AUDIENCE = 'lm-api';

/**
 * A gateway with the identity routes on an in-process database (PGlite unless a Db is given),
 * seeded with the dev users and Biology 101 (lecturer + student1 enrolled, student2 not), with
 * every log line captured. Other route groups (sessions, transcripts, ...) are added with
 * `extraRoutes`; `expectAccess` then checks who may reach them.
 */
export class IdentityFixture {
  readonly logs: string[] = [];
  private readonly tokens = new Map<Caller, string>();

  private constructor(
    readonly db: Db,
    readonly identity: Identity,
    readonly gateway: Gateway,
    readonly authenticator: Authenticator,
    readonly baseUrl: string,
    private readonly keyDir: string,
    logs: string[],
  ) {
    this.logs = logs;
  }

  static async start(
    options: {
      db?: Db;
      extraRoutes?: (
        app: FastifyInstance,
        fixture: { identity: Identity; authenticator: Authenticator },
      ) => void;
    } = {},
  ): Promise<IdentityFixture> {
    const logs: string[] = [];
    const logger: Logger = createLogger({
      service: 'gateway-test',
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    });
    const db = options.db ?? (await Db.open({}));
    await db.migrate();
    const keyDir = mkdtempSync(join(tmpdir(), 'lm-issuer-'));
    const issuer = await LocalTokenIssuer.create({
      issuer: ISSUER,
      audience: AUDIENCE,
      keyFile: join(keyDir, 'key.json'),
    });
    const identity = createIdentity({
      db,
      logger,
      mode: 'local',
      issuer,
      // Light argon2id parameters keep the suite fast; same algorithm and code path.
      hasher: new PasswordHasher({ memoryCost: 1024, timeCost: 1 }),
      // Probes send many wrong logins from 127.0.0.1; the per-address limit has its own test.
      rateLimiter: new LoginRateLimiter({ maxFailuresPerIp: 10_000 }),
    });
    await seedDevData(identity);
    const gateway = new Gateway({
      config: loadConfig(gatewayConfigSchema, { GATEWAY_PORT: '0', LOG_LEVEL: 'debug' }),
      logger,
      health: new HealthRegistry(),
      metrics: createMetricsRegistry('gateway-test'),
      version: 'test',
      mode: 'test',
      components: [],
    });
    let authenticator: Authenticator | undefined;
    gateway.addRoutes((app) => {
      authenticator = registerIdentityRoutes(app, { identity, logger });
      options.extraRoutes?.(app, { identity, authenticator });
    });
    const port = await gateway.listen();
    if (!authenticator) throw new Error('identity routes were not registered');
    return new IdentityFixture(
      db,
      identity,
      gateway,
      authenticator,
      `http://127.0.0.1:${port}`,
      keyDir,
      logs,
    );
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.db.close();
    rmSync(this.keyDir, { recursive: true, force: true });
  }

  static devUser(name: DevUserName): (typeof DEV_USERS)[number] {
    const index = { lecturer: 0, student1: 1, student2: 2, admin: 3 }[name];
    const user = DEV_USERS[index];
    if (!user) throw new Error(`no dev user ${name}`);
    return user;
  }

  static devUserPasswords(): string[] {
    return DEV_USERS.map((u) => u.password);
  }

  get devCourse(): typeof DEV_COURSE {
    return DEV_COURSE;
  }

  /** A valid access token for a dev user (logged in through the API), or a service token. */
  async token(caller: Exclude<Caller, 'anonymous'>): Promise<string> {
    const cached = this.tokens.get(caller);
    if (cached) return cached;
    let token: string;
    if (caller === 'service') {
      token = await this.identity.serviceTokens('lm-test-service').token();
    } else {
      const user = IdentityFixture.devUser(caller);
      const response = await this.fetch('POST', '/api/auth/login', {
        body: { email: user.email, password: user.password },
      });
      if (response.status !== 200) throw new Error(`login of ${caller} failed: ${response.status}`);
      token = ((await response.json()) as { accessToken: string }).accessToken;
    }
    this.tokens.set(caller, token);
    return token;
  }

  /** Forgets cached tokens (after role changes). */
  forgetTokens(): void {
    this.tokens.clear();
  }

  async fetch(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string | undefined; caller?: Caller } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    let token = options.token;
    if (!token && options.caller && options.caller !== 'anonymous')
      token = await this.token(options.caller);
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }

  /**
   * Who may reach a resource: each caller in `allowed` gets a 2xx, each in `denied` a 403 (or
   * 401 for anonymous). Returns the statuses for the assertion message.
   */
  async expectAccess(
    request: (caller: Caller) => Promise<Response>,
    expected: { allowed: Caller[]; denied: Caller[] },
  ): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (const caller of [...expected.allowed, ...expected.denied]) {
      const response = await request(caller);
      seen[caller] = response.status;
      await response.body?.cancel();
    }
    const problems = [
      ...expected.allowed.filter((c) => (seen[c] ?? 0) < 200 || (seen[c] ?? 0) >= 300),
      ...expected.denied.filter((c) => seen[c] !== (c === 'anonymous' ? 401 : 403)),
    ];
    if (problems.length)
      throw new Error(`access not as expected for ${problems.join(', ')}: ${JSON.stringify(seen)}`);
    return seen;
  }

  /** Tokens that must all be refused, each named by what is wrong with it. */
  async badTokens(): Promise<Record<string, string>> {
    const stored = JSON.parse(readFileSync(join(this.keyDir, 'key.json'), 'utf8')) as {
      private: JWK;
      public: JWK;
    };
    const key = await importJWK(stored.private, 'RS256');
    const kid = stored.public.kid ?? '';
    const user = IdentityFixture.devUser('student1');
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: user.id,
      typ: 'Bearer',
      azp: 'lm-web',
      preferred_username: user.email,
      realm_access: { roles: ['student'] },
      iat: now,
      exp: now + 300,
    };
    const sign = (payload: JWTPayload, signingKey = key, headerKid = kid) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: headerKid, typ: 'JWT' })
        .sign(signingKey);
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const valid = await sign(claims);
    const [header, , signature] = valid.split('.') as [string, string, string];
    const foreign = await generateKeyPair('RS256');
    const adminPayload = b64({ ...claims, realm_access: { roles: ['admin'] } });
    return {
      expired: await sign({ ...claims, iat: now - 3600, exp: now - 600 }),
      notYetValid: await sign({ ...claims, nbf: now + 600 }),
      wrongIssuer: await sign({ ...claims, iss: 'http://127.0.0.1:2/realms/other' }),
      wrongAudience: await sign({ ...claims, aud: 'some-other-api' }),
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      tampered: `${header}.${adminPayload}.${signature}`,
      foreignKeySameKid: await sign(claims, foreign.privateKey),
      foreignKeyOtherKid: await sign(claims, foreign.privateKey, 'attacker-key'),
      hs256WithPublicKey: `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(claims)}.${signature}`,
      notAnAccessToken: await sign({ ...claims, typ: 'Refresh' }),
      garbage: 'not.a.token',
    };
  }
}
