import { describe, expect, it } from 'vitest';
import {
  exportTranscript,
  parseTranscriptFormat,
  srtTime,
  toCues,
  vttTime,
  type FinalSegment,
} from '../src/transcripts/export.js';

const words = (text: string, startMs: number, stepMs: number) =>
  text.split(' ').map((w, i) => ({
    text: w,
    startMs: startMs + i * stepMs,
    endMs: startMs + (i + 1) * stepMs,
    confidence: 0.9,
  }));

const segments: FinalSegment[] = [
  {
    segmentIndex: 1,
    text: 'Mitochondria make ATP.',
    startMs: 4200,
    endMs: 6100,
    words: words('Mitochondria make ATP.', 4200, 600),
  },
  {
    segmentIndex: 0,
    text: 'Welcome to biology <101> & cells --> today.',
    startMs: 0,
    endMs: 3500,
    words: [],
  },
];

describe('transcript export', () => {
  it('formats times for WebVTT and SRT, including hours', () => {
    expect(vttTime(3_723_456)).toBe('01:02:03.456');
    expect(srtTime(3_723_456)).toBe('01:02:03,456');
    expect(vttTime(-5)).toBe('00:00:00.000');
  });

  it('writes WebVTT cues in time order with escaped payloads', () => {
    const vtt = exportTranscript(segments, 'vtt', { sessionId: 's', title: 'Lecture 1' });
    expect(vtt).toBe(
      'WEBVTT - Lecture 1\n\n' +
        '1\n00:00:00.000 --> 00:00:03.500\nWelcome to biology &lt;101> &amp; cells --&gt; today.\n\n' +
        '2\n00:00:04.200 --> 00:00:06.000\nMitochondria make ATP.\n',
    );
  });

  it('writes SRT with comma milliseconds and blank-line separated cues', () => {
    expect(exportTranscript(segments, 'srt')).toBe(
      '1\n00:00:00,000 --> 00:00:03,500\nWelcome to biology <101> & cells --> today.\n\n' +
        '2\n00:00:04,200 --> 00:00:06,000\nMitochondria make ATP.\n',
    );
  });

  it('writes plain text with start times and JSON with words', () => {
    expect(exportTranscript(segments, 'txt')).toBe(
      '[00:00] Welcome to biology <101> & cells --> today.\n[00:04] Mitochondria make ATP.',
    );
    const json = JSON.parse(exportTranscript(segments, 'json', { sessionId: 'abc' })) as {
      sessionId: string;
      segments: { index: number; words: unknown[] }[];
    };
    expect(json.sessionId).toBe('abc');
    expect(json.segments.map((s) => s.index)).toEqual([0, 1]);
    expect(json.segments[1]?.words).toHaveLength(3);
  });

  it('splits long segments into cues of at most 7 s at word boundaries', () => {
    const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const long: FinalSegment = {
      segmentIndex: 0,
      text,
      startMs: 0,
      endMs: 15_000,
      words: words(text, 0, 500),
    };
    const cues = toCues([long]);
    expect(cues.length).toBeGreaterThanOrEqual(3);
    for (const cue of cues) expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7000);
    expect(cues.map((c) => c.text).join(' ')).toBe(text);
  });

  it('rejects unknown formats with a clear error', () => {
    expect(() => parseTranscriptFormat('docx')).toThrow(/Unknown transcript format "docx"/);
    expect(parseTranscriptFormat('srt')).toBe('srt');
  });
});

describe('cue layout', () => {
  it('merges short live finals into one cue until a sentence ends or a pause', () => {
    const parts: FinalSegment[] = [
      {
        segmentIndex: 0,
        text: 'Energy is',
        startMs: 0,
        endMs: 700,
        words: words('Energy is', 0, 350),
      },
      {
        segmentIndex: 1,
        text: 'never created',
        startMs: 700,
        endMs: 1400,
        words: words('never created', 700, 350),
      },
      {
        segmentIndex: 2,
        text: 'or destroyed.',
        startMs: 1400,
        endMs: 2100,
        words: words('or destroyed.', 1400, 350),
      },
      {
        segmentIndex: 3,
        text: 'Next topic',
        startMs: 2200,
        endMs: 2900,
        words: words('Next topic', 2200, 350),
      },
      {
        segmentIndex: 4,
        text: 'after a pause',
        startMs: 6000,
        endMs: 7000,
        words: words('after a pause', 6000, 333),
      },
    ];
    expect(toCues(parts).map((c) => c.text)).toEqual([
      'Energy is never created or destroyed.',
      'Next topic',
      'after a pause',
    ]);
  });
});
