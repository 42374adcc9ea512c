/** A run of body text under one heading path ("Cells > Mitochondria"). */
export interface DocumentSection {
  headingPath: string[];
  text: string;
  /** 1-based page for PDFs. */
  page?: number;
}

const ATX_HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const SETEXT_UNDERLINE = /^(=+|-+)\s*$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * Markdown into sections by its ATX (`## Title`) and setext (`Title\n=====`) headings. Headings
 * inside fenced code are text. Markdown markup of the body is kept: the embedder reads it fine
 * and citations quote it as written.
 */
export function markdownSections(source: string): DocumentSection[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const sections: DocumentSection[] = [];
  const path: { level: number; title: string }[] = [];
  let body: string[] = [];
  let inFence = false;

  const flush = () => {
    const text = body.join('\n').trim();
    if (text !== '') sections.push({ headingPath: path.map((h) => h.title), text });
    body = [];
  };
  const open = (level: number, title: string) => {
    flush();
    while (path.length > 0 && (path[path.length - 1]?.level ?? 0) >= level) path.pop();
    path.push({ level, title: cleanHeading(title) });
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence) {
      const atx = ATX_HEADING.exec(line);
      if (atx) {
        open(atx[1]?.length ?? 1, atx[2] ?? '');
        continue;
      }
      const next = lines[i + 1];
      if (
        line.trim() !== '' &&
        next !== undefined &&
        SETEXT_UNDERLINE.test(next) &&
        (body.length === 0 || body[body.length - 1]?.trim() === '')
      ) {
        open(next.trim().startsWith('=') ? 1 : 2, line.trim());
        i += 1;
        continue;
      }
    }
    body.push(line);
  }
  flush();
  return sections;
}

/**
 * Plain text has no markup, but notes usually have title lines: a short line standing alone
 * between blank lines, starting with a capital or a number, without closing punctuation.
 * Those become headings of one level; everything else is body.
 */
export function plainTextSections(source: string, page?: number): DocumentSection[] {
  const blocks = source
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const sections: DocumentSection[] = [];
  let heading: string[] = [];
  let body: string[] = [];
  const flush = () => {
    const text = body.join('\n\n').trim();
    if (text !== '') sections.push({ headingPath: heading, text, ...(page ? { page } : {}) });
    body = [];
  };
  for (const block of blocks) {
    if (looksLikeTitle(block)) {
      flush();
      heading = [cleanHeading(block)];
    } else {
      body.push(block);
    }
  }
  flush();
  return sections;
}

function looksLikeTitle(block: string): boolean {
  if (block.includes('\n')) return false;
  const words = block.split(/\s+/);
  return (
    words.length <= 8 &&
    block.length <= 80 &&
    /^[\p{Lu}\p{N}]/u.test(block) &&
    !/[.,;:!?]$/.test(block)
  );
}

function cleanHeading(title: string): string {
  return title
    .replace(/[*_`]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim();
}
