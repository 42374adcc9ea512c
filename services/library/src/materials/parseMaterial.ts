import { AppError } from '@lm/kit';
import { pdfPages } from './pdfPages.js';
import { markdownSections, plainTextSections, type DocumentSection } from './sections.js';

export type MaterialFormat = 'text' | 'markdown' | 'pdf';

export interface MaterialUpload {
  filename: string;
  /** The client's Content-Type, if any; the file name and the bytes decide when it is vague. */
  mediaType?: string;
  data: Uint8Array;
}

export interface ParsedMaterial {
  format: MaterialFormat;
  title: string;
  sections: DocumentSection[];
  /** Characters of body text found. */
  characters: number;
}

/** Uploads larger than this are refused before parsing (PDF parsing holds the whole file). */
export const MAX_MATERIAL_BYTES = 20 * 1024 * 1024;

/** Decides the format, extracts the text and splits it into sections by headings. */
export async function parseMaterial(
  upload: MaterialUpload,
  options: { maxBytes?: number } = {},
): Promise<ParsedMaterial> {
  const maxBytes = options.maxBytes ?? MAX_MATERIAL_BYTES;
  if (upload.data.byteLength === 0) {
    throw new AppError('invalid_argument', `The upload "${upload.filename}" is empty`);
  }
  if (upload.data.byteLength > maxBytes) {
    throw new AppError(
      'payload_too_large',
      `The upload is ${upload.data.byteLength} bytes; the limit is ${maxBytes}`,
      { details: { limitBytes: maxBytes } },
    );
  }
  const format = detectFormat(upload);
  let sections: DocumentSection[];
  if (format === 'pdf') {
    const pages = await pdfPages(upload.data);
    sections = pages.flatMap((text, index) => plainTextSections(text, index + 1));
  } else {
    const text = decodeUtf8(upload.data, upload.filename);
    sections = format === 'markdown' ? markdownSections(text) : plainTextSections(text);
  }
  const characters = sections.reduce((sum, s) => sum + s.text.length, 0);
  if (characters === 0) {
    throw new AppError(
      'invalid_argument',
      format === 'pdf'
        ? `"${upload.filename}" has no extractable text (a scanned PDF needs OCR first)`
        : `"${upload.filename}" has no text`,
    );
  }
  return { format, title: titleOf(upload.filename, sections, format), sections, characters };
}

export function detectFormat(upload: MaterialUpload): MaterialFormat {
  const head = Buffer.from(upload.data.subarray(0, 5)).toString('latin1');
  const type = (upload.mediaType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const extension = /\.([a-z0-9]+)$/i.exec(upload.filename)?.[1]?.toLowerCase() ?? '';
  if (head === '%PDF-' || type === 'application/pdf' || extension === 'pdf') return 'pdf';
  if (type === 'text/markdown' || extension === 'md' || extension === 'markdown') return 'markdown';
  if (type === '' || type.startsWith('text/') || type === 'application/octet-stream') {
    if (['', 'txt', 'text'].includes(extension) || type.startsWith('text/')) return 'text';
  }
  throw new AppError(
    'unsupported_media_type',
    `Unsupported material "${upload.filename}" (${type || extension || 'unknown type'}); upload plain text, Markdown or PDF`,
  );
}

function decodeUtf8(data: Uint8Array, filename: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    // A NUL byte means a binary file that happened to decode.
    if (text.includes('\u0000')) throw new Error('NUL byte');
    return text.replace(/^\uFEFF/, '');
  } catch (error) {
    throw new AppError('unsupported_media_type', `"${filename}" is not UTF-8 text`, {
      cause: error,
    });
  }
}

function titleOf(filename: string, sections: DocumentSection[], format: MaterialFormat): string {
  // A Markdown document that starts with one top heading names itself.
  const first = sections[0]?.headingPath[0];
  if (format === 'markdown' && first && sections.every((s) => s.headingPath[0] === first))
    return first;
  return (
    filename
      .replace(/\.[a-z0-9]+$/i, '')
      .replace(/[_-]+/g, ' ')
      .trim() || filename
  );
}
