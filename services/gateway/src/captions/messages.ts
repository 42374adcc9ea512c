import type { Caption } from '@lm/api';
import type { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { SegmentKind } from '@lm/proto/transcript/v1/transcript';

/** A segment read from the bus as viewers receive it. */
export function toCaption(segment: TranscriptSegment, fannedOutAtMs: number): Caption {
  return {
    sessionId: segment.sessionId,
    streamId: segment.streamId,
    segmentIndex: segment.segmentIndex,
    revision: segment.revision,
    kind: segment.kind === SegmentKind.SEGMENT_KIND_FINAL ? 'final' : 'partial',
    text: segment.text,
    startMs: segment.startMs,
    endMs: segment.endMs,
    words: segment.words.map((w) => ({
      text: w.text,
      startMs: w.startMs,
      endMs: w.endMs,
      confidence: w.confidence,
    })),
    emittedAtMs: segment.emittedAtMs,
    audioCapturedAtMs: segment.audioCapturedAtMs,
    fannedOutAtMs,
    streamEnded: segment.streamEnded,
  };
}
