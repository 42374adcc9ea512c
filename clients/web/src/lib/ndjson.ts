/** Reads newline-delimited JSON from a response body, one value per line, as lines complete. */
export async function* readNdjson<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
    if (buffered.trim()) yield JSON.parse(buffered) as T;
  } finally {
    // A reader that stops early hangs up, which tells the server to stop producing.
    await reader.cancel().catch(() => undefined);
  }
}
