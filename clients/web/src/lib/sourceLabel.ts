import { timestamp } from './transcriptLines.js';

/**
 * How a source is named on screen: "Notes › Cells › Mitochondria" for a document passage (the
 * heading path without the document's own title repeated), "Lecture 3 · 12:04" for a lecture.
 */
export function sourceLabel(source: {
  kind: string;
  title?: string | undefined;
  heading?: string | undefined;
  page?: number | null | undefined;
  startMs?: number | null | undefined;
}): string {
  const title = source.title?.trim() || (source.kind === 'lecture' ? 'Lecture' : 'Course material');
  if (source.kind === 'lecture') return `${title} · ${timestamp(source.startMs ?? 0)}`;
  const parts = (source.heading ?? '')
    .split('>')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts[0] === title) parts.shift();
  if (source.page) parts.push(`page ${source.page}`);
  return [title, ...parts].join(' › ');
}
