import type { Citation } from '@lm/api';

/** "Sources: [1] Cell Biology, Cells > Mitochondria; [2] Lecture 3 at 12:05". */
export function formatCitations(citations: readonly Citation[]): string {
  const parts = citations.map((c, i) => {
    // A document's top heading is often its title: say it once.
    const where =
      c.kind === 'lecture'
        ? `at ${formatTime(c.startMs ?? 0)}`
        : c.heading && c.heading !== c.title
          ? c.heading
          : '';
    return `[${i + 1}] ${c.title ?? c.sourceId ?? 'source'}${where ? `, ${where}` : ''}`;
  });
  return `Sources: ${parts.join('; ')}`;
}

function formatTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** JSON values from a newline-delimited JSON byte stream, as each line completes. */
export async function* parseNdjson<T>(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as T;
      newline = buffer.indexOf('\n');
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest !== '') yield JSON.parse(rest) as T;
}
