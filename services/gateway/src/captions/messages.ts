import type { TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { SegmentKind } from '@lm/proto/transcript/v1/transcript';

/** What a caption viewer receives over its WebSocket (JSON text frames). */
export type CaptionServerMessage =
  | { type: 'caption'; caption: CaptionView }
  | { type: 'history'; finals: CaptionView[] }
  | { type: 'session'; sessionId: string; status: 'live' | 'ended' }
  | { type: 'error'; code: string; message: string };

export interface CaptionView {
  sessionId: string;
  /** The audio stream it transcribes (a WebRTC producer, or an ingest connection). */
  streamId: string;
  segmentIndex: number;
  revision: number;
  kind: 'partial' | 'final';
  text: string;
  startMs: number;
  endMs: number;
  words: { text: string; startMs: number; endMs: number; confidence: number }[];
  /** When the transcriber emitted it; with the viewer's receive time this gives fan-out delay. */
  emittedAtMs: number;
  /** When the newest audio in it was captured; with receive time this gives caption latency. */
  audioCapturedAtMs: number;
  /** When this gateway read it from the bus. */
  fannedOutAtMs: number;
  /** Marks the end of a stream: its transcript is complete (the text is empty). */
  streamEnded: boolean;
}

export function toCaptionView(segment: TranscriptSegment, fannedOutAtMs: number): CaptionView {
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
