import {
  AppError,
  callerOf,
  endUserOf,
  maybeEndUserOf,
  unaryHandler,
  type GrpcCallContext,
  type Logger,
  type Principal,
} from '@lm/kit';
import type {
  DeleteMaterialRequest,
  DeleteMaterialResponse,
  GetMaterialRequest,
  IndexLectureRequest,
  IndexLectureResponse,
  ListMaterialsRequest,
  ListMaterialsResponse,
  Material,
  MaterialServiceServer,
  SearchHit as SearchHitMessage,
  SearchRequest,
  SearchResponse,
  UploadMaterialRequest,
} from '@lm/proto/library/v1/library';
import type { MaterialLibrary, MaterialSummary } from '../materials/MaterialLibrary.js';
import type { SearchHit } from '../search/HybridSearch.js';
import type { TranscriptStore } from '../transcripts/TranscriptStore.js';
import { parseVisibility } from '../materials/visibility.js';
import type { CourseAccess } from './CourseAccess.js';
import type { TranscriptOwners } from './TranscriptOwners.js';

export interface MaterialGrpcDeps {
  library: Pick<
    MaterialLibrary,
    'upload' | 'list' | 'get' | 'delete' | 'search' | 'indexTranscript' | 'store'
  >;
  transcripts: Pick<TranscriptStore, 'finals'>;
  owners: Pick<TranscriptOwners, 'of'>;
  access: CourseAccess;
  logger: Logger;
  /**
   * Client ids of the services that may search for a user by id (SearchRequest.for_user_id)
   * when they hold no token of that user. Default: DEFAULT_SEARCH_FOR_USER_CLIENTS.
   */
  searchForUserClients?: readonly string[];
}

/** The tutor answers spoken turns from the bus, where no user token travels. */
export const DEFAULT_SEARCH_FOR_USER_CLIENTS: readonly string[] = ['lm-tutor'];

/** Which methods act for a user (`x-lm-user-token` required) — for `withCallerIdentity`. */
export const MATERIAL_SERVICE_END_USER = {
  uploadMaterial: 'required',
  listMaterials: 'required',
  getMaterial: 'required',
  deleteMaterial: 'required',
  // Verified when sent; without it only an allow-listed service naming for_user_id is served.
  search: 'optional',
  indexLecture: 'ignored',
} as const;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_QUERY_CHARS = 500;

/**
 * lm.library.v1.MaterialService. Each user call is decided from the end user's verified token:
 * course membership to read, a lecturer of the course to upload or delete course materials, any
 * member for private notes (their owner alone reads, finds or deletes them); search only ever
 * looks at the user's own courses and own notes. Another course's material, or another user's
 * notes, read as not found.
 */
export function materialGrpcService(deps: MaterialGrpcDeps): MaterialServiceServer {
  const { library, access, logger } = deps;
  const searchForUserClients = new Set(
    deps.searchForUserClients ?? DEFAULT_SEARCH_FOR_USER_CLIENTS,
  );
  return {
    uploadMaterial: unaryHandler<UploadMaterialRequest, Material>(logger, async (req, ctx) => {
      const user = endUserOf(ctx.metadata);
      const courseId = id('course_id', req.courseId);
      const visibility = parseVisibility(req.visibility) ?? 'course';
      await access.assertCanUploadMaterial(user, courseId, visibility);
      if (req.data.byteLength === 0) throw new AppError('invalid_argument', 'The upload is empty');
      const material = await library.upload({
        courseId,
        // The owner is whoever the token says, never a field of the request.
        ownerId: user.userId,
        filename: req.filename,
        ...(req.mediaType ? { mediaType: req.mediaType } : {}),
        data: req.data,
        ...(req.title ? { title: req.title } : {}),
        visibility,
      });
      logger.info(
        { material: material.id, course: courseId, user: user.userId, visibility },
        'uploaded',
      );
      return toMaterial(material);
    }),

    listMaterials: unaryHandler<ListMaterialsRequest, ListMaterialsResponse>(
      logger,
      async (req, ctx) => {
        const user = endUserOf(ctx.metadata);
        const courseId = id('course_id', req.courseId);
        await access.assertCourseMember(user, courseId);
        const materials = await library.list([courseId], { viewerId: user.userId });
        return { materials: materials.map(toMaterial) };
      },
    ),

    getMaterial: unaryHandler<GetMaterialRequest, Material>(logger, async (req, ctx) => {
      const user = endUserOf(ctx.metadata);
      const courseId = id('course_id', req.courseId);
      await access.assertCourseMember(user, courseId);
      return toMaterial(
        await library.get(id('material_id', req.materialId), [courseId], {
          viewerId: user.userId,
        }),
      );
    }),

    deleteMaterial: unaryHandler<DeleteMaterialRequest, DeleteMaterialResponse>(
      logger,
      async (req, ctx) => {
        const user = endUserOf(ctx.metadata);
        const materialId = id('material_id', req.materialId);
        // The course comes from the stored material; a material of a course the user is not in
        // (or another user's notes) is not found; course materials are deleted by that course's
        // lecturers, notes by their owner.
        const row = await library.store.get(materialId);
        const visible = await access.courseIdsVisibleTo(user);
        if (!row || !visible.includes(row.course_id))
          throw new AppError('not_found', `No material ${materialId}`);
        await access.assertCanDeleteMaterial(user, row);
        await library.delete(materialId);
        logger.info({ material: materialId, course: row.course_id, user: user.userId }, 'deleted');
        return {};
      },
    ),

    search: unaryHandler<SearchRequest, SearchResponse>(logger, async (req, ctx) => {
      const viewer = searchViewer(ctx.metadata, req.forUserId ?? '', searchForUserClients);
      const query = req.query.trim();
      if (!query || query.length > MAX_QUERY_CHARS)
        throw new AppError('invalid_argument', `query must be 1 to ${MAX_QUERY_CHARS} characters`);
      const visible = await access.courseIdsVisibleTo(viewer.principal);
      let courseIds = visible;
      if (req.courseIds.length > 0) {
        // Asking for a course the user is not in is refused, not silently narrowed.
        for (const courseId of req.courseIds) {
          if (!visible.includes(id('course_ids', courseId)))
            throw new AppError('permission_denied', 'You are not a member of this course');
        }
        courseIds = req.courseIds;
      }
      if (courseIds.length === 0) return { hits: [] };
      const limit = Math.min(Math.max(req.limit || 5, 1), 20);
      const hits = await library.search(query, { courseIds, viewerId: viewer.userId, limit });
      if (viewer.onBehalfOf)
        logger.debug(
          { caller: viewer.onBehalfOf, user: viewer.userId, hits: hits.length },
          'searched for a user',
        );
      return { hits: hits.map(toHit) };
    }),

    indexLecture: unaryHandler<IndexLectureRequest, IndexLectureResponse>(logger, async (req) => {
      const sessionId = id('session_id', req.sessionId);
      const owner = await deps.owners.of(sessionId);
      if (!owner || owner.kind !== 'lecture' || !owner.course_id)
        throw new AppError('not_found', `No lecture ${sessionId} of a course`);
      const finals = await deps.transcripts.finals(sessionId);
      const material = await library.indexTranscript(
        sessionId,
        owner.course_id,
        owner.title,
        finals.map((f) => ({ text: f.text, startMs: f.startMs, endMs: f.endMs })),
      );
      return material ? { material: toMaterial(material) } : {};
    }),
  };
}

/**
 * Whom a search is for: the end user of the token (`x-lm-user-token`), or — without one — the
 * user named by `for_user_id`, when the calling service is on the allow-list. A user token with
 * another user's id, or a service off the list naming a user, is refused: an id in a request is
 * never proof of anything unless the caller is trusted to act for any user.
 */
function searchViewer(
  metadata: GrpcCallContext['metadata'],
  forUserId: string,
  allowedClients: ReadonlySet<string>,
): { principal: Principal | string; userId: string; onBehalfOf?: string } {
  const user = maybeEndUserOf(metadata);
  if (user) {
    if (forUserId && forUserId !== user.userId)
      throw new AppError('permission_denied', 'for_user_id must be the signed-in user');
    return { principal: user, userId: user.userId };
  }
  // No user and no id: the call acts for nobody, as before for_user_id existed.
  if (!forUserId) endUserOf(metadata);
  const caller = callerOf(metadata);
  if (caller.kind !== 'service' || !caller.clientId || !allowedClients.has(caller.clientId))
    throw new AppError('permission_denied', 'This caller may not search on behalf of a user');
  const userId = id('for_user_id', forUserId);
  return { principal: userId, userId, onBehalfOf: caller.clientId };
}

function id(field: string, value: string): string {
  if (!ID.test(value)) throw new AppError('invalid_argument', `Malformed ${field}`);
  return value;
}

export function toMaterial(m: MaterialSummary): Material {
  return {
    id: m.id,
    courseId: m.courseId,
    ownerId: m.ownerId,
    kind: m.kind,
    title: m.title,
    filename: m.filename,
    format: m.format,
    ...(m.sessionId ? { sessionId: m.sessionId } : {}),
    byteSize: m.byteSize,
    chunkCount: m.chunkCount,
    createdAt: m.createdAt,
    visibility: m.visibility,
  };
}

export function fromMaterial(m: Material): MaterialSummary {
  return {
    id: m.id,
    courseId: m.courseId,
    ownerId: m.ownerId,
    kind: m.kind === 'lecture' ? 'lecture' : 'material',
    visibility: m.visibility === 'private' ? 'private' : 'course',
    title: m.title,
    filename: m.filename,
    format: m.format,
    sessionId: m.sessionId ?? null,
    byteSize: m.byteSize,
    chunkCount: m.chunkCount,
    createdAt: m.createdAt,
  };
}

function toHit(h: SearchHit): SearchHitMessage {
  return {
    chunkId: h.chunkId,
    materialId: h.materialId,
    courseId: h.courseId,
    kind: h.kind,
    title: h.title,
    heading: h.heading,
    ...(h.page !== null ? { page: h.page } : {}),
    ...(h.startMs !== null ? { startMs: h.startMs } : {}),
    ...(h.endMs !== null ? { endMs: h.endMs } : {}),
    ...(h.sessionId !== null ? { sessionId: h.sessionId } : {}),
    visibility: h.visibility,
    text: h.text,
    score: h.score,
    ...(h.similarity !== null ? { similarity: h.similarity } : {}),
    ...(h.vectorRank !== null ? { vectorRank: h.vectorRank } : {}),
    ...(h.keywordRank !== null ? { keywordRank: h.keywordRank } : {}),
  };
}

export function fromHit(h: SearchHitMessage): SearchHit {
  return {
    chunkId: h.chunkId,
    materialId: h.materialId,
    courseId: h.courseId,
    kind: h.kind === 'lecture' ? 'lecture' : 'material',
    title: h.title,
    heading: h.heading,
    page: h.page ?? null,
    startMs: h.startMs ?? null,
    endMs: h.endMs ?? null,
    sessionId: h.sessionId ?? null,
    visibility: h.visibility === 'private' ? 'private' : 'course',
    text: h.text,
    score: h.score,
    similarity: h.similarity ?? null,
    vectorRank: h.vectorRank ?? null,
    keywordRank: h.keywordRank ?? null,
  };
}
