import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@lm/kit';
import type { Embedder } from '../search/Embedder.js';
import { HybridSearch, type SearchHit, type SearchOptions } from '../search/HybridSearch.js';
import type { VectorStore } from '../search/VectorStore.js';
import { HeadingChunker } from './HeadingChunker.js';
import { MaterialStore, type ChunkRow, type MaterialRow } from './MaterialStore.js';
import { parseMaterial, type MaterialUpload } from './parseMaterial.js';
import type { LibraryDb } from './tables.js';
import { TranscriptChunker, type TimedText } from './TranscriptChunker.js';
import type { MaterialVisibility } from './visibility.js';

export interface MaterialSummary {
  id: string;
  courseId: string;
  /** Who uploaded it ('system' for lecture transcripts). */
  ownerId: string;
  kind: 'material' | 'lecture';
  /** 'private': the owner's own notes, seen by the owner alone. */
  visibility: MaterialVisibility;
  title: string;
  filename: string;
  format: string;
  sessionId: string | null;
  byteSize: number;
  chunkCount: number;
  createdAt: string;
}

export interface MaterialLibraryDeps {
  db: LibraryDb;
  vectors: VectorStore;
  embedder: Embedder;
  logger: Logger;
  maxUploadBytes?: number;
}

/** Texts embedded per call: large enough to use the runtime well, small enough to stay responsive. */
const EMBED_BATCH = 16;

/**
 * The materials library: uploads (text, Markdown, PDF) and lecture transcripts become chunks
 * with headings or timestamps, embedded and indexed for hybrid search by course.
 *
 * Rows in the database are the truth; the vector store is an index of them. An upload is
 * parsed and embedded before anything is written, so a bad file touches nothing.
 */
export class MaterialLibrary {
  readonly store: MaterialStore;
  readonly searcher: HybridSearch;
  private readonly chunker = new HeadingChunker();
  private readonly transcriptChunker = new TranscriptChunker();
  private ready: Promise<void> | undefined;

  constructor(private readonly deps: MaterialLibraryDeps) {
    this.store = new MaterialStore(deps.db);
    this.searcher = new HybridSearch({
      store: this.store,
      vectors: deps.vectors,
      embedder: deps.embedder,
    });
  }

  /** Prepares the vector collection; called lazily by every method that needs it. */
  init(): Promise<void> {
    this.ready ??= this.deps.vectors
      .ensure(this.deps.embedder.dimensions)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  /**
   * Parses, chunks, embeds and indexes an upload. `visibility: 'private'` makes it the owner's
   * own notes (default 'course'). Who may upload what is the caller's check (AccessPolicy).
   */
  async upload(
    input: MaterialUpload & {
      courseId: string;
      ownerId: string;
      title?: string;
      visibility?: MaterialVisibility;
    },
  ): Promise<MaterialSummary> {
    requireId('courseId', input.courseId);
    requireId('ownerId', input.ownerId);
    const privateOwnerId = input.visibility === 'private' ? input.ownerId : null;
    const parsed = await parseMaterial(input, {
      ...(this.deps.maxUploadBytes ? { maxBytes: this.deps.maxUploadBytes } : {}),
    });
    const drafts = this.chunker.chunk(parsed.sections);
    const materialId = randomUUID();
    const chunks: ChunkRow[] = drafts.map((d) => ({
      id: randomUUID(),
      material_id: materialId,
      course_id: input.courseId,
      private_owner_id: privateOwnerId,
      ordinal: d.ordinal,
      heading: d.headingPath.join(' > '),
      page: d.page ?? null,
      start_ms: null,
      end_ms: null,
      text: d.text,
      tokens: d.tokens,
    }));
    const title = input.title?.trim() || parsed.title;
    const row = await this.index(
      {
        id: materialId,
        course_id: input.courseId,
        owner_id: input.ownerId,
        private_owner_id: privateOwnerId,
        kind: 'material',
        title,
        filename: input.filename,
        format: parsed.format,
        session_id: null,
        byte_size: input.data.byteLength,
        chunk_count: chunks.length,
        embedding_model: this.deps.embedder.modelId,
      },
      chunks,
      // The title and heading path go into the embedded text: "what is X" questions often
      // name the section's subject rather than words of its body.
      chunks.map((c) => `${title}${c.heading ? ` > ${c.heading}` : ''}\n${c.text}`),
    );
    this.deps.logger.info(
      {
        material: row.id,
        course: row.course_id,
        format: parsed.format,
        chunks: chunks.length,
        visibility: privateOwnerId ? 'private' : 'course',
      },
      'material indexed',
    );
    return summary(row);
  }

  /**
   * Indexes a lecture's finals (called when a session ends). Idempotent per session: a second
   * call replaces the earlier index, so a re-delivered "session ended" event is harmless.
   */
  async indexTranscript(
    sessionId: string,
    courseId: string,
    title: string,
    finals: readonly TimedText[],
  ): Promise<MaterialSummary | undefined> {
    requireId('sessionId', sessionId);
    requireId('courseId', courseId);
    const drafts = this.transcriptChunker.chunk(finals);
    const previous = await this.store.lectureOf(sessionId);
    if (drafts.length === 0) {
      this.deps.logger.info({ session: sessionId }, 'lecture has no speech; nothing indexed');
      return previous ? summary(previous) : undefined;
    }
    const materialId = randomUUID();
    const chunks: ChunkRow[] = drafts.map((d) => ({
      id: randomUUID(),
      material_id: materialId,
      course_id: courseId,
      private_owner_id: null,
      ordinal: d.ordinal,
      heading: '',
      page: null,
      start_ms: d.startMs,
      end_ms: d.endMs,
      text: d.text,
      tokens: d.tokens,
    }));
    const lectureTitle = title.trim() || `Lecture ${sessionId}`;
    const row = await this.index(
      {
        id: materialId,
        course_id: courseId,
        owner_id: 'system',
        private_owner_id: null,
        kind: 'lecture',
        title: lectureTitle,
        filename: `${sessionId}.transcript`,
        format: 'transcript',
        session_id: sessionId,
        byte_size: finals.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0),
        chunk_count: chunks.length,
        embedding_model: this.deps.embedder.modelId,
      },
      chunks,
      chunks.map((c) => `${lectureTitle}\n${c.text}`),
    );
    if (previous) await this.delete(previous.id);
    this.deps.logger.info(
      { session: sessionId, course: courseId, chunks: chunks.length },
      'lecture indexed',
    );
    return summary(row);
  }

  /**
   * The course materials of these courses, plus the private notes of `viewerId` in them (no
   * viewer: course materials only). Nobody else's notes, whoever asks — lecturers included.
   */
  async list(
    courseIds: readonly string[],
    options: { viewerId?: string | undefined } = {},
  ): Promise<MaterialSummary[]> {
    return (await this.store.list(courseIds, options.viewerId)).map(summary);
  }

  /**
   * A material the caller may see (its course is in `courseIds`, and it is a course material or
   * the viewer's own notes), or not_found.
   */
  async get(
    id: string,
    courseIds: readonly string[],
    options: { viewerId?: string | undefined } = {},
  ): Promise<MaterialSummary> {
    const row = await this.store.get(id);
    // Someone else's material is "not found", not "forbidden": its existence is not disclosed.
    if (
      !row ||
      !courseIds.includes(row.course_id) ||
      (row.private_owner_id !== null && row.private_owner_id !== options.viewerId)
    )
      throw new AppError('not_found', `No material ${id}`);
    return summary(row);
  }

  async delete(id: string): Promise<void> {
    await this.init();
    await this.deps.vectors.deleteMaterial(id);
    await this.store.delete(id);
  }

  search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    return this.searcher.search(query, options);
  }

  private async index(
    material: Omit<MaterialRow, 'created_at'>,
    chunks: ChunkRow[],
    texts: string[],
  ): Promise<MaterialRow> {
    await this.init();
    const vectors = await this.embedAll(texts);
    const row = await this.store.insert(material, chunks);
    try {
      await this.deps.vectors.upsert(
        chunks.map((c, i) => ({
          id: c.id,
          vector: vectors[i] ?? new Float32Array(this.deps.embedder.dimensions),
          courseId: c.course_id,
          materialId: c.material_id,
          privateOwnerId: c.private_owner_id,
        })),
      );
    } catch (error) {
      // Without its vectors the material would be half-searchable: take it back out.
      await this.store.delete(material.id).catch(() => undefined);
      throw error;
    }
    return row;
  }

  private async embedAll(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      out.push(...(await this.deps.embedder.embed(texts.slice(i, i + EMBED_BATCH))));
    }
    if (out.length !== texts.length) {
      throw new AppError(
        'internal',
        `The embedder returned ${out.length} vectors for ${texts.length} texts`,
      );
    }
    return out;
  }
}

function requireId(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    throw new AppError('invalid_argument', `${name} is required`);
  }
}

function summary(row: MaterialRow): MaterialSummary {
  return {
    id: row.id,
    courseId: row.course_id,
    ownerId: row.owner_id,
    kind: row.kind,
    visibility: row.private_owner_id === null ? 'course' : 'private',
    title: row.title,
    filename: row.filename,
    format: row.format,
    sessionId: row.session_id,
    byteSize: row.byte_size,
    chunkCount: row.chunk_count,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
