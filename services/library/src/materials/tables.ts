import type { ColumnType, Kysely } from 'kysely';

/** Tables of the materials library (migration 'library_materials' in @lm/db). */
export interface MaterialsTable {
  id: string;
  course_id: string;
  /** Who uploaded it ('system' for lecture transcripts). */
  owner_id: string;
  /**
   * Private notes: the one user who sees it (its uploader). Null: a course material, seen by
   * every member of the course. Migration 0007_private_notes.
   */
  private_owner_id: string | null;
  /** 'material' (an upload) or 'lecture' (a session's transcript). */
  kind: 'material' | 'lecture';
  title: string;
  filename: string;
  /** 'text' | 'markdown' | 'pdf' | 'transcript' */
  format: string;
  /** The live session a lecture transcript came from. */
  session_id: string | null;
  byte_size: number;
  chunk_count: number;
  embedding_model: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface MaterialChunksTable {
  id: string;
  material_id: string;
  course_id: string;
  /** Copied from the material, so that keyword search filters without a join. */
  private_owner_id: string | null;
  ordinal: number;
  /** Heading path joined with " > " (materials); empty for lectures. */
  heading: string;
  page: number | null;
  start_ms: number | null;
  end_ms: number | null;
  text: string;
  tokens: number;
  /** Generated from heading + text; only read through raw SQL. */
  tsv: ColumnType<unknown, never, never>;
}

export interface LibraryTables {
  materials: MaterialsTable;
  material_chunks: MaterialChunksTable;
}

export type LibraryDb = Kysely<LibraryTables>;

/**
 * The library's view of the shared database handle. @lm/db's `Database` type describes the
 * tables of its own migrations; these are added by the library's migration, so the handle is
 * re-typed here rather than widening the shared type for every service.
 */
export function libraryDb<DB>(db: Kysely<DB>): LibraryDb {
  return db as unknown as LibraryDb;
}
