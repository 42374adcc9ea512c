import type { Logger } from '@lm/kit';
import type { MaterialLibrary, TranscriptStore } from '@lm/library';
import type { LiveSession } from '@lm/api';

/**
 * After a lecture of a course ended: its transcript becomes searchable course material. Runs in
 * the background — the end call does not wait for the embedding, and a failure is logged,
 * never reported to the lecturer who ended the session. Returns the work (for tests).
 */
export function indexEndedLecture(
  session: LiveSession,
  deps: {
    library: Pick<MaterialLibrary, 'indexTranscript'>;
    transcripts: Pick<TranscriptStore, 'finals'>;
    logger: Logger;
  },
): Promise<void> | undefined {
  const courseId = session.courseId;
  if (session.kind !== 'lecture' || !courseId) return undefined;
  const log = deps.logger.child({ session: session.id, course: courseId });
  const started = performance.now();
  return (async () => {
    try {
      const finals = await deps.transcripts.finals(session.id);
      const material = await deps.library.indexTranscript(
        session.id,
        courseId,
        session.title,
        finals.map((f) => ({ text: f.text, startMs: f.startMs, endMs: f.endMs })),
      );
      log.info(
        {
          material: material?.id,
          segments: finals.length,
          chunks: material?.chunkCount ?? 0,
          ms: Math.round(performance.now() - started),
        },
        'lecture transcript indexed',
      );
    } catch (error) {
      log.error({ err: error }, 'indexing the lecture transcript failed');
    }
  })();
}
