import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type Principal } from '@lm/kit';
import type { AccessPolicy } from '@lm/identity';
import type { MaterialLibrary, MaterialVisibility } from '@lm/library';
import {
  MultipartFile,
  isMultipart,
  registerMultipartParser,
} from '../recordings/MultipartFile.js';
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
const filename = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/\\]+$/, 'a file name, without folders');
const uploadQuery = z.object({
  // Required for a raw body; a multipart form names its file part itself.
  filename: filename.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  // "private": the caller's own notes. Absent: a course material (lecturers only).
  visibility: z.enum(['course', 'private']).optional(),
});
const searchQuery = z.object({
  q: z.string().trim().min(1).max(500),
  courseId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});

/**
 * Course materials and private notes (upload, list, read, delete) and search over them. Uploads
 * are the raw file as the request body (`?filename=` names it; its extension or the content type
 * picks the parser), or a multipart/form-data form with one file field (its part names and types
 * it); `?visibility=private` makes either the caller's own notes. A course the caller is not a
 * member of answers 403 (404 when it does not exist); search only ever looks at the caller's own
 * courses, and private notes are their owner's alone (another user's read as not found).
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
    return { materials: await deps.library.list([id], { viewerId: principal.userId }) };
  });

  app.get('/api/courses/:id/materials/:materialId', async (request) => {
    const principal = await deps.authenticate(request);
    const { id, materialId } = parseBody(materialParams, request.params);
    await deps.access.assertCourseMember(principal, id);
    return deps.library.get(materialId, [id], { viewerId: principal.userId });
  });

  app.delete('/api/courses/:id/materials/:materialId', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id, materialId } = parseBody(materialParams, request.params);
    await deps.access.assertCourseMember(principal, id);
    // Another course's material, or another user's notes, is not_found here, never deleted.
    const material = await deps.library.get(materialId, [id], { viewerId: principal.userId });
    await deps.access.assertCanDeleteMaterial(principal, {
      course_id: id,
      private_owner_id: material.visibility === 'private' ? material.ownerId : null,
    });
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
    return {
      hits: await deps.library.search(query.q, {
        courseIds,
        viewerId: principal.userId,
        limit: query.limit,
      }),
    };
  });
}

function registerUpload(app: FastifyInstance, deps: MaterialRoutesDeps): void {
  const maxBytes = deps.maxUploadBytes ?? DEFAULT_MATERIAL_MAX_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_r, body, done) =>
    done(null, body),
  );
  // multipart/form-data is not buffered by a parser: the route streams its one file part.
  registerMultipartParser(app);

  app.post('/api/courses/:id/materials', { bodyLimit: maxBytes }, async (request, reply) => {
    const multipart = isMultipart(request);
    let file: { filename: string; mediaType: string | undefined; data: Buffer };
    let query: z.infer<typeof uploadQuery>;
    let principal: Principal;
    let id: string;
    let visibility: MaterialVisibility;
    try {
      principal = await deps.authenticate(request);
      id = parseBody(courseParams, request.params).id;
      query = parseBody(uploadQuery, request.query);
      visibility = query.visibility ?? 'course';
      await deps.access.assertCanUploadMaterial(principal, id, visibility);
      file = multipart
        ? await readMultipartMaterial(request, maxBytes, query.filename)
        : rawMaterial(request, query.filename);
    } catch (error) {
      // A refused form is still arriving: let it go by so the answer gets through.
      if (multipart) request.raw.resume();
      throw error;
    }
    const material = await deps.library.upload({
      courseId: id,
      ownerId: principal.userId,
      filename: file.filename,
      ...(file.mediaType ? { mediaType: file.mediaType } : {}),
      data: file.data,
      ...(query.title ? { title: query.title } : {}),
      visibility,
    });
    request.log.info(
      {
        material: material.id,
        course: id,
        user: principal.userId,
        chunks: material.chunkCount,
        visibility,
      },
      'material uploaded',
    );
    return reply.status(201).send(material);
  });
}

/** The raw-body upload: the parser has buffered it (within the size limit). */
function rawMaterial(
  request: FastifyRequest,
  name: string | undefined,
): { filename: string; mediaType: string | undefined; data: Buffer } {
  if (!name)
    throw new AppError(
      'invalid_argument',
      'filename is required: name the file with ?filename= (or send a multipart form)',
    );
  const data = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (data.byteLength === 0)
    throw new AppError('invalid_argument', 'The upload is empty: send the file as the body');
  if (request.headers['content-type']?.trim().toLowerCase().startsWith('multipart/'))
    throw new AppError(
      'unsupported_media_type',
      'Send the file as the body (with ?filename=) or as a multipart/form-data form',
    );
  return { filename: name, mediaType: mediaTypeOf(request.headers['content-type']), data };
}

/**
 * The form's one file part, read within the size limit as it streams in (the library parses
 * whole files, so it is collected, but never past the limit). `?filename=` renames it.
 */
async function readMultipartMaterial(
  request: FastifyRequest,
  maxBytes: number,
  name: string | undefined,
): Promise<{ filename: string; mediaType: string | undefined; data: Buffer }> {
  const file = await MultipartFile.open(request, { maxBytes, what: 'material' });
  const checked = filename.safeParse(name ?? file.filename);
  if (!checked.success) {
    file.discard();
    throw new AppError(
      'invalid_argument',
      'The file part needs a file name (filename="notes.md" in its Content-Disposition)',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  await file.finish();
  return {
    filename: checked.data,
    mediaType: mediaTypeOf(file.mediaType),
    data: Buffer.concat(chunks),
  };
}

function mediaTypeOf(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim();
  return type && type !== 'application/octet-stream' ? type : undefined;
}
