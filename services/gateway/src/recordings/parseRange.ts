/**
 * One HTTP byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within a file of `size` bytes, as
 * inclusive offsets; undefined when it cannot be satisfied. Multiple ranges are not offered
 * (players ask for one), so they count as unsatisfiable.
 */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || size === 0) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    // A suffix: the last n bytes.
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start > end || start >= size) return undefined;
  return { start, end };
}
