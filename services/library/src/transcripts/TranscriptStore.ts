import type { Kysely } from 'kysely';
import type { Database } from '@lm/db';
import type { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import type { FinalSegment } from './export.js';

/**
 * Finals of live sessions and recordings, in Postgres (or PGlite). Storing is idempotent:
 * a final redelivered by the bus, or re-emitted by a restarted transcriber, is kept once.
 */
export class TranscriptStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores finals; returns how many were new. Empty finals (end-of-utterance markers) are skipped. */
  async saveFinals(segments: readonly TranscriptSegment[]): Promise<number> {
    const rows = segments
      .filter((s) => s.text.trim() !== '')
      .map((s) => ({
        session_id: s.sessionId,
        segment_index: s.segmentIndex,
        revision: s.revision,
        text: s.text,
        words: JSON.stringify(s.words),
        start_ms: s.startMs,
        end_ms: s.endMs,
        language: s.language || 'en',
      }));
    if (rows.length === 0) return 0;
    const inserted = await this.db
      .insertInto('transcript_segments')
      .values(rows)
      .onConflict((oc) => oc.columns(['session_id', 'segment_index']).doNothing())
      .returning('segment_index')
      .execute();
    return inserted.length;
  }

  /** A session's finals in order; `limit` keeps only the newest ones. */
  async finals(sessionId: string, options: { limit?: number } = {}): Promise<FinalSegment[]> {
    let query = this.db
      .selectFrom('transcript_segments')
      .select(['segment_index', 'text', 'start_ms', 'end_ms', 'words'])
      .where('session_id', '=', sessionId);
    query = options.limit
      ? query.orderBy('segment_index', 'desc').limit(options.limit)
      : query.orderBy('segment_index', 'asc');
    const rows = await query.execute();
    const segments = rows.map((row) => ({
      segmentIndex: row.segment_index,
      text: row.text,
      startMs: row.start_ms,
      endMs: row.end_ms,
      words: parseWords(row.words),
    }));
    return options.limit ? segments.reverse() : segments;
  }
}

function parseWords(value: unknown): FinalSegment['words'] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? (parsed as FinalSegment['words']) : [];
}
