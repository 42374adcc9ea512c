import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the web app lives; its other paths are the API, the WebSockets and operations. */
export const WEB_BASE = '/app/';

export interface WebRoutesDeps {
  /** The built app (clients/web/dist: index.html plus hashed assets). */
  distDir: string;
}

/** True when `distDir` holds a built app (scripts/setup/web.sh builds it). */
export function hasWebApp(distDir: string): boolean {
  return existsSync(join(distDir, 'index.html'));
}

/**
 * Serves the built web app under /app/. Files that exist are sent as they are (hashed assets
 * cached for a year); any other GET below /app/ gets index.html, so the app's own router
 * handles deep links and reloads.
 */
export function registerWebRoutes(app: FastifyInstance, deps: WebRoutesDeps): void {
  const root = resolve(deps.distDir);
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, decorateReply: true });

    scope.get('/app', async (_request, reply) => reply.redirect(WEB_BASE));

    scope.get('/app/*', async (request, reply) => {
      const wanted = (request.params as { '*'?: string })['*'] ?? '';
      const file = resolveFile(root, wanted);
      if (file) {
        const immutable = file.startsWith(`assets${sep}`) || file.startsWith('assets/');
        return reply.sendFile(file, root, {
          immutable,
          maxAge: immutable ? '365d' : 0,
          cacheControl: true,
        });
      }
      // index.html names the current asset hashes: never cached, so a new build is picked up.
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, {
        cacheControl: false,
      });
    });
  });
}

/** A regular file inside root named by the URL path, or undefined (never a path outside root). */
function resolveFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '');
  } catch {
    return undefined;
  }
  if (!decoded || decoded.includes('\0')) return undefined;
  const full = resolve(root, decoded);
  const rel = relative(root, full);
  if (!rel || rel.startsWith('..') || resolve(root, rel) !== full) return undefined;
  try {
    return statSync(full).isFile() ? rel : undefined;
  } catch {
    return undefined;
  }
}
