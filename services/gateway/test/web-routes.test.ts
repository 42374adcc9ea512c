import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasWebApp, registerWebRoutes } from '../src/web/webRoutes.js';

let app: FastifyInstance;
const root = mkdtempSync(join(tmpdir(), 'lm-web-routes-'));
const dist = join(root, 'dist');

beforeAll(async () => {
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the app');
  app = Fastify();
  registerWebRoutes(app, { distDir: dist });
  app.get('/api/thing', () => ({ ok: true }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('registerWebRoutes', () => {
  it('knows whether the app was built', () => {
    expect(hasWebApp(dist)).toBe(true);
    expect(hasWebApp(root)).toBe(false);
  });

  it('serves hashed assets with a long cache life', async () => {
    const res = await app.inject('/app/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('answers deep links with index.html, never cached', async () => {
    for (const path of ['/app/', '/app/courses/biology-101/live', '/app/watch/ses_1?x=1']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.body).toContain('<title>app</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const bare = await app.inject('/app');
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/app/');
  });

  it('never reads outside the app folder', async () => {
    for (const path of ['/app/../secret.txt', '/app/%2e%2e/secret.txt', '/app/..%2fsecret.txt']) {
      const res = await app.inject(path);
      expect(res.body, path).not.toContain('outside the app');
    }
  });

  it('leaves other paths to their routes', async () => {
    expect((await app.inject('/api/thing')).json()).toEqual({ ok: true });
    expect((await app.inject('/api/other')).statusCode).toBe(404);
  });
});
