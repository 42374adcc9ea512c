import { AppError } from '@lm/kit';
import { extractText, getDocumentProxy } from 'unpdf';

/**
 * The text of each page of a PDF, through unpdf (pdf.js built for servers: pure JS, no worker,
 * no network). A file pdf.js cannot open is the uploader's problem, reported as such.
 */
export async function pdfPages(data: Uint8Array): Promise<string[]> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes ownership of the buffer it is given: pass a copy.
    document = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
  } catch (error) {
    throw new AppError('unsupported_media_type', `Not a readable PDF: ${describe(error)}`, {
      cause: error,
    });
  }
  try {
    const { text } = await extractText(document, { mergePages: false });
    return text;
  } catch (error) {
    throw new AppError(
      'unsupported_media_type',
      `The PDF's text cannot be read: ${describe(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await document.destroy();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
