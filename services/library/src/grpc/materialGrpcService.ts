import { AppError, endUserOf, unaryHandler, type Logger } from '@lm/kit';
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
}

/** Which methods act for a user (`x-lm-user-token` required) — for `withCallerIdentity`. */
export const MATERIAL_SERVICE_END_USER = {
  uploadMaterial: 'required',
  listMaterials: 'required',
  getMaterial: 'required',
  deleteMaterial: 'required',
  search: 'required',
  indexLecture: 'ignored',
} as const;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_QUERY_CHARS = 500;

/**
 * lm.library.v1.MaterialService. Each user call is decided from the end user's verified token:
 * course membership to read, a lecturer of the course to upload or delete; search only ever
 * looks at the user's own courses. Another course's material reads as not found.
 */
export function materialGrpcService(deps: MaterialGrpcDeps): MaterialServiceServer {
  const { library, access, logger } = deps;
  return {
    uploadMaterial: unaryHandler<UploadMaterialRequest, Material>(logger, async (req, ctx) => {
      const user = endUserOf(ctx.metadata);
      const courseId = id('course_id', req.courseId);
      await access.assertCourseLecturer(user, courseId);
      if (req.data.byteLength === 0) throw new AppError('invalid_argument', 'The upload is empty');
      const material = await library.upload({
        courseId,
        // The owner is whoever the token says, never a field of the request.
        ownerId: user.userId,
        filename: req.filename,
        ...(req.mediaType ? { mediaType: req.mediaType } : {}),
        data: req.data,
        ...(req.title ? { title: req.title } : {}),
      });
      logger.info({ material: material.id, course: courseId, user: user.userId }, 'uploaded');
      return toMaterial(material);
    }),

    listMaterials: unaryHandler<ListMaterialsRequest, ListMaterialsResponse>(
      logger,
      async (req, ctx) => {
        const user = endUserOf(ctx.metadata);
        const courseId = id('course_id', req.courseId);
        await access.assertCourseMember(user, courseId);
        return { materials: (await library.list([courseId])).map(toMaterial) };
      },
    ),

    getMaterial: unaryHandler<GetMaterialRequest, Material>(logger, async (req, ctx) => {
      const user = endUserOf(ctx.metadata);
      const courseId = id('course_id', req.courseId);
      await access.assertCourseMember(user, courseId);
      return toMaterial(await library.get(id('material_id', req.materialId), [courseId]));
    }),

    deleteMaterial: unaryHandler<DeleteMaterialRequest, DeleteMaterialResponse>(
      logger,
      async (req, ctx) => {
        const user = endUserOf(ctx.metadata);
        const materialId = id('material_id', req.materialId);
        // The course comes from the stored material; a material of a course the user is not in
        // is not found, and only that course's lecturers delete.
        const row = await library.store.get(materialId);
        const visible = await access.courseIdsVisibleTo(user);
        if (!row || !visible.includes(row.course_id))
          throw new AppError('not_found', `No material ${materialId}`);
        await access.assertCourseLecturer(user, row.course_id);
        await library.delete(materialId);
        logger.info({ material: materialId, course: row.course_id, user: user.userId }, 'deleted');
        return {};
      },
    ),

    search: unaryHandler<SearchRequest, SearchResponse>(logger, async (req, ctx) => {
      const user = endUserOf(ctx.metadata);
      const query = req.query.trim();
      if (!query || query.length > MAX_QUERY_CHARS)
        throw new AppError('invalid_argument', `query must be 1 to ${MAX_QUERY_CHARS} characters`);
      const visible = await access.courseIdsVisibleTo(user);
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
      return { hits: (await library.search(query, { courseIds, limit })).map(toHit) };
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
  };
}

export function fromMaterial(m: Material): MaterialSummary {
  return {
    id: m.id,
    courseId: m.courseId,
    ownerId: m.ownerId,
    kind: m.kind === 'lecture' ? 'lecture' : 'material',
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
    text: h.text,
    score: h.score,
    similarity: h.similarity ?? null,
    vectorRank: h.vectorRank ?? null,
    keywordRank: h.keywordRank ?? null,
  };
}
