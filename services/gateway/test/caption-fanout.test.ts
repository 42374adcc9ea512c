import { describe, expect, it } from 'vitest';
import type { CaptionServerMessage } from '@lm/api';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { CaptionFanout } from '../src/captions/CaptionFanout.js';
import {
  CLOSE_SLOW_VIEWER,
  ViewerConnection,
  type ViewerSocket,
} from '../src/captions/ViewerConnection.js';

class RecordingSocket implements ViewerSocket {
  bufferedAmount = 0;
  frames: CaptionServerMessage[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  send(data: string): void {
    this.frames.push(JSON.parse(data) as CaptionServerMessage);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  texts(): string[] {
    return this.frames.flatMap((f) =>
      f.type === 'caption' ? [`${f.caption.kind}:${f.caption.text}`] : [],
    );
  }
}

function segment(
  sessionId: string,
  index: number,
  kind: 'partial' | 'final',
  text: string,
  revision = 0,
): TranscriptSegment {
  return {
    sessionId,
    streamId: 'mic',
    segmentIndex: index,
    revision,
    kind: kind === 'final' ? SegmentKind.SEGMENT_KIND_FINAL : SegmentKind.SEGMENT_KIND_PARTIAL,
    text,
    words: [],
    startMs: index * 1000,
    endMs: index * 1000 + 900,
    language: 'en',
    emittedAtMs: 1,
    audioCapturedAtMs: 1,
    endOfTurn: false,
    streamEnded: false,
  };
}

describe('CaptionFanout', () => {
  it('delivers each session only to its own viewers', () => {
    const fanout = new CaptionFanout();
    const a = new RecordingSocket();
    const b = new RecordingSocket();
    fanout.join('s1', new ViewerConnection('a', a));
    fanout.join('s2', new ViewerConnection('b', b));
    fanout.publish(segment('s1', 0, 'partial', 'hel'));
    fanout.publish(segment('s2', 0, 'final', 'other room'));
    expect(a.texts()).toEqual(['partial:hel']);
    expect(b.texts()).toEqual(['final:other room']);
  });

  it('gives late joiners the recent finals, once each, and no partials', () => {
    const fanout = new CaptionFanout({ historySize: 2, maxSessions: 10 });
    fanout.publish(segment('s1', 0, 'final', 'one'));
    fanout.publish(segment('s1', 1, 'final', 'two'));
    fanout.publish(segment('s1', 1, 'final', 'two')); // redelivered
    fanout.publish(segment('s1', 2, 'partial', 'thr'));
    fanout.publish(segment('s1', 2, 'final', 'three'));
    const late = new RecordingSocket();
    fanout.join('s1', new ViewerConnection('late', late));
    const history = late.frames[0];
    expect(history?.type).toBe('history');
    expect(history?.type === 'history' && history.finals.map((f) => f.text)).toEqual([
      'two',
      'three',
    ]);
  });

  it('uses stored finals for a late joiner when this gateway has seen none', () => {
    const fanout = new CaptionFanout();
    const socket = new RecordingSocket();
    const stored = [
      {
        ...segment('s9', 0, 'final', 'from the database'),
        kind: 'final' as const,
        fannedOutAtMs: 0,
        words: [],
      },
    ];
    fanout.join('s9', new ViewerConnection('v', socket), stored);
    const first = socket.frames[0];
    expect(first?.type === 'history' && first.finals[0]?.text).toBe('from the database');
  });

  it('a slow viewer gets only the newest partial but every final, and does not hold up others', async () => {
    const fanout = new CaptionFanout();
    const slow = new RecordingSocket();
    const fast = new RecordingSocket();
    fanout.join(
      's1',
      new ViewerConnection('slow', slow, { partialBackpressureBytes: 100, maxQueuedFinals: 10 }),
    );
    fanout.join('s1', new ViewerConnection('fast', fast));
    slow.bufferedAmount = 1000; // its socket is backed up
    fanout.publish(segment('s1', 0, 'partial', 'a', 0));
    fanout.publish(segment('s1', 0, 'partial', 'ab', 1));
    fanout.publish(segment('s1', 0, 'final', 'abc'));
    fanout.publish(segment('s1', 1, 'partial', 'd', 0));
    fanout.publish(segment('s1', 1, 'partial', 'de', 1));
    expect(fast.texts()).toEqual([
      'partial:a',
      'partial:ab',
      'final:abc',
      'partial:d',
      'partial:de',
    ]);
    expect(slow.texts()).toEqual([]);
    slow.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 80));
    expect(slow.texts()).toEqual(['final:abc', 'partial:de']);
  });

  it('cuts off a viewer whose final queue overflows, with a clear close code', () => {
    const fanout = new CaptionFanout();
    const stuck = new RecordingSocket();
    stuck.bufferedAmount = 1_000_000;
    const viewer = new ViewerConnection('stuck', stuck, {
      partialBackpressureBytes: 100,
      maxQueuedFinals: 3,
    });
    fanout.join('s1', viewer);
    for (let i = 0; i < 5; i++) fanout.publish(segment('s1', i, 'final', `f${i}`));
    expect(stuck.closedWith?.code).toBe(CLOSE_SLOW_VIEWER);
    expect(viewer.isClosed).toBe(true);
    expect(fanout.viewerCount('s1')).toBe(0);
  });
});
