import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type Principal } from '@lm/kit';
import type { AccessPolicy } from '@lm/identity';
import type { MaterialLibrary } from '@lm/library';
import { parseBody } from '../sessions/sessionRoutes.js';

/** What the routes use of the materials library (MaterialLibrary of @lm/library). */
export type MaterialLibraryPort = Pick<
  MaterialLibrary,
  'upload' | 'list' | 'get' | 'delete' | 'search'
>;

export interface MaterialRoutesDeps {
  library: MaterialLibraryPort;
  access: AccessPolicy;
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** Largest upload accepted (bytes); the library applies its own 20 MB limit as well. */
  maxUploadBytes?: number;
}

export const DEFAULT_MATERIAL_MAX_BYTES = 20 * 1024 * 1024;

const courseParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed course id'),
});
const materialParams = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed course id'),
  materialId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Malformed material id'),
});
const uploadQuery = z.object({
  filename: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^/\\]+$/, 'a file name, without folders'),
  title: z.string().trim().min(1).max(200).optional(),
});
const searchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  courseId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});

/**
 * Course materials (upload, list, read, delete) and search over them. Uploads are the raw file
 * as the request body (`?filename=` names it; its extension or the content type picks the
 * parser). A course the caller is not a member of answers 403 (404 when it does not exist);
 * search only ever looks at the caller's own courses.
 */
export function registerMaterialRoutes(app: FastifyInstance, deps: MaterialRoutesDeps): void {
  // Uploads get their own scope: any content type is read as bytes, within the size limit.
  void app.register((scoped, _options, done) => {
    registerUpload(scoped, deps);
    done();
  });

  app.get('/api/courses/:id/materials', async (request) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(courseParams, request.params);
    await deps.access.assertCourseMember(principal, id);
    return { materials: await deps.library.list([id]) };
  });

  app.get('/api/courses/:id/materials/:materialId', async (request) => {
    const principal = await deps.authenticate(request);
    const { id, materialId } = parseBody(materialParams, request.params);
    await deps.access.assertCourseMember(principal, id);
    return deps.library.get(materialId, [id]);
  });

  app.delete('/api/courses/:id/materials/:materialId', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id, materialId } = parseBody(materialParams, request.params);
    await deps.access.assertCourseLecturer(principal, id);
    // Another course's material is not_found here, never deleted.
    await deps.library.get(materialId, [id]);
    await deps.library.delete(materialId);
    request.log.info({ material: materialId, course: id, user: principal.userId }, 'deleted');
    return reply.status(204).send();
  });

  app.get('/api/search', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseBody(searchQuery, request.query);
    const visible = await deps.access.courseIdsVisibleTo(principal);
    let courseIds = visible;
    if (query.courseId) {
      // Another course looks like no course at all: its existence is not disclosed.
      if (!visible.includes(query.courseId)) throw new AppError('not_found', 'No such course');
      courseIds = [query.courseId];
    }
    if (courseIds.length === 0) return { hits: [] };
    return { hits: await deps.library.search(query.q, { courseIds, limit: query.limit }) };
  });
}

function registerUpload(app: FastifyInstance, deps: MaterialRoutesDeps): void {
  const maxBytes = deps.maxUploadBytes ?? DEFAULT_MATERIAL_MAX_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_r, body, done) =>
    done(null, body),
  );

  app.post('/api/courses/:id/materials', { bodyLimit: maxBytes }, async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id } = parseBody(courseParams, request.params);
    const query = parseBody(uploadQuery, request.query);
    await deps.access.assertCourseLecturer(principal, id);
    const data = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (data.byteLength === 0)
      throw new AppError('invalid_argument', 'The upload is empty: send the file as the body');
    const contentType = request.headers['content-type']?.split(';')[0]?.trim();
    if (contentType?.startsWith('multipart/'))
      throw new AppError(
        'unsupported_media_type',
        'Send the file itself as the request body (with ?filename=), not a multipart form',
      );
    const material = await deps.library.upload({
      courseId: id,
      ownerId: principal.userId,
      filename: query.filename,
      ...(contentType && contentType !== 'application/octet-stream'
        ? { mediaType: contentType }
        : {}),
      data,
      ...(query.title ? { title: query.title } : {}),
    });
    request.log.info(
      { material: material.id, course: id, user: principal.userId, chunks: material.chunkCount },
      'material uploaded',
    );
    return reply.status(201).send(material);
  });
}
