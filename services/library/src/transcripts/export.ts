import { AppError } from '@lm/kit';

/** The stored form of a final segment, as exports need it. */
export interface FinalSegment {
  segmentIndex: number;
  text: string;
  startMs: number;
  endMs: number;
  words: { text: string; startMs: number; endMs: number; confidence: number }[];
}

export type TranscriptFormat = 'vtt' | 'srt' | 'txt' | 'json';

export const TRANSCRIPT_CONTENT_TYPES: Record<TranscriptFormat, string> = {
  vtt: 'text/vtt; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function parseTranscriptFormat(value: string): TranscriptFormat {
  if (value === 'vtt' || value === 'srt' || value === 'txt' || value === 'json') return value;
  throw new AppError(
    'invalid_argument',
    `Unknown transcript format "${value}"; use vtt, srt, txt or json`,
  );
}

/** Longest cue shown at once; longer segments are split at word boundaries. */
const MAX_CUE_MS = 7000;
const MAX_CUE_CHARS = 84;

interface Cue {
  startMs: number;
  endMs: number;
  text: string;
}

/** A pause longer than this starts a new cue. */
const CUE_GAP_MS = 1500;

/**
 * Lays the transcript out as readable caption cues (≤ 7 s, ≤ 84 characters ≈ two lines).
 * Live finals are often a few words each, so cues are built from the words of consecutive
 * segments, broken at sentence ends, pauses and the size limits.
 */
export function toCues(segments: readonly FinalSegment[]): Cue[] {
  const units: Cue[] = [];
  for (const segment of orderSegments(segments)) {
    if (!segment.text.trim()) continue;
    if (segment.words.length === 0) {
      units.push({ startMs: segment.startMs, endMs: segment.endMs, text: segment.text.trim() });
    } else {
      for (const w of segment.words) {
        if (w.text.trim()) units.push({ startMs: w.startMs, endMs: w.endMs, text: w.text.trim() });
      }
    }
  }
  const cues: Cue[] = [];
  let current: Cue | undefined;
  for (const unit of units) {
    if (current) {
      const text = `${current.text} ${unit.text}`;
      const tooLong = unit.endMs - current.startMs > MAX_CUE_MS || text.length > MAX_CUE_CHARS;
      const pause = unit.startMs - current.endMs > CUE_GAP_MS;
      const sentenceEnded = /[.!?]$/.test(current.text) && current.text.length > 20;
      if (!tooLong && !pause && !sentenceEnded) {
        current.text = text;
        current.endMs = Math.max(current.endMs, unit.endMs);
        continue;
      }
      cues.push(current);
    }
    current = { ...unit, endMs: Math.max(unit.endMs, unit.startMs + 1) };
  }
  if (current) cues.push(current);
  return cues;
}

export function exportTranscript(
  segments: readonly FinalSegment[],
  format: TranscriptFormat,
  meta: { sessionId: string; title?: string } = { sessionId: '' },
): string {
  switch (format) {
    case 'vtt':
      return toWebVtt(segments, meta.title);
    case 'srt':
      return toSrt(segments);
    case 'txt':
      return toPlainText(segments);
    case 'json':
      return JSON.stringify(
        {
          sessionId: meta.sessionId,
          title: meta.title ?? null,
          segments: orderSegments(segments).map((s) => ({
            index: s.segmentIndex,
            startMs: s.startMs,
            endMs: s.endMs,
            text: s.text,
            words: s.words,
          })),
        },
        null,
        2,
      );
  }
}

export function toWebVtt(segments: readonly FinalSegment[], title?: string): string {
  const header = title ? `WEBVTT - ${singleLine(title)}` : 'WEBVTT';
  const body = toCues(segments)
    .map(
      (cue, i) =>
        `${i + 1}\n${vttTime(cue.startMs)} --> ${vttTime(cue.endMs)}\n${escapeVtt(cue.text)}`,
    )
    .join('\n\n');
  return body ? `${header}\n\n${body}\n` : `${header}\n`;
}

export function toSrt(segments: readonly FinalSegment[]): string {
  return toCues(segments)
    .map((cue, i) => `${i + 1}\n${srtTime(cue.startMs)} --> ${srtTime(cue.endMs)}\n${cue.text}\n`)
    .join('\n');
}

/** One paragraph per segment, each with its start time. */
export function toPlainText(segments: readonly FinalSegment[]): string {
  return orderSegments(segments)
    .filter((s) => s.text.trim())
    .map((s) => `[${clockTime(s.startMs)}] ${s.text.trim()}`)
    .join('\n');
}

function orderSegments(segments: readonly FinalSegment[]): FinalSegment[] {
  return [...segments].sort((a, b) => a.startMs - b.startMs || a.segmentIndex - b.segmentIndex);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function splitTime(ms: number) {
  const total = Math.max(0, Math.round(ms));
  return {
    h: Math.floor(total / 3_600_000),
    m: Math.floor((total % 3_600_000) / 60_000),
    s: Math.floor((total % 60_000) / 1000),
    ms: total % 1000,
  };
}

export function vttTime(ms: number): string {
  const t = splitTime(ms);
  return `${pad(t.h)}:${pad(t.m)}:${pad(t.s)}.${pad(t.ms, 3)}`;
}

export function srtTime(ms: number): string {
  const t = splitTime(ms);
  return `${pad(t.h)}:${pad(t.m)}:${pad(t.s)},${pad(t.ms, 3)}`;
}

export function clockTime(ms: number): string {
  const t = splitTime(ms);
  return t.h > 0 ? `${t.h}:${pad(t.m)}:${pad(t.s)}` : `${pad(t.m)}:${pad(t.s)}`;
}

/** A cue payload may not contain "-->" nor a blank line; & and < must be escaped. */
function escapeVtt(text: string): string {
  return singleLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/-->/g, '--&gt;');
}

function singleLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
