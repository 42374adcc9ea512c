/** One line of a transcript: a final caption with its place in the audio. */
export interface TranscriptLine {
  startMs: number;
  endMs: number;
  text: string;
}

/** Lines from the JSON export (`?format=json`: `{sessionId, title, segments: [...]}`). */
export function parseTranscriptJson(text: string): TranscriptLine[] {
  const data = JSON.parse(text) as unknown;
  const list = Array.isArray(data)
    ? (data as unknown[])
    : ((data as { segments?: unknown[] }).segments ?? []);
  return (list as Partial<TranscriptLine>[])
    .filter((l) => typeof l.text === 'string' && l.text.trim())
    .map((l) => ({ startMs: l.startMs ?? 0, endMs: l.endMs ?? 0, text: (l.text ?? '').trim() }));
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function timestamp(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
