import { readFileSync, existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { GatewayClient } from '../GatewayClient.js';

export interface TranscribeOptions {
  file: string;
  format: 'txt' | 'vtt' | 'srt' | 'json';
  courseId?: string | undefined;
  /** Progress lines go here (stderr), the transcript to stdout. */
  progress: { write(text: string): unknown; isTTY?: boolean };
  timeoutMs: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.webm': 'audio/webm',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
};

/** `lm transcribe <file>`: uploads a recording, follows its transcription job, returns the transcript. */
export async function runTranscribe(
  client: GatewayClient,
  options: TranscribeOptions,
): Promise<string> {
  if (!existsSync(options.file) || !statSync(options.file).isFile())
    throw new Error(`No such file: ${options.file}`);
  const audio = readFileSync(options.file);
  const contentType =
    CONTENT_TYPES[extname(options.file).toLowerCase()] ?? 'application/octet-stream';
  const { recordingId, job } = await client.uploadRecording(audio, {
    title: basename(options.file),
    contentType,
    ...(options.courseId ? { courseId: options.courseId } : {}),
  });
  const deadline = Date.now() + options.timeoutMs;
  let current = job;
  let shown = -1;
  while (current.state === 'queued' || current.state === 'running') {
    const percent = Math.round(current.progress * 100);
    if (percent !== shown) {
      options.progress.write(
        options.progress.isTTY ? `\rtranscribing… ${percent}%` : `transcribing… ${percent}%\n`,
      );
      shown = percent;
    }
    if (Date.now() > deadline)
      throw new Error(
        `Job ${current.id} still ${current.state} after ${options.timeoutMs / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, 500));
    current = await client.job(current.id);
  }
  if (options.progress.isTTY) options.progress.write('\r\x1b[K');
  if (current.state === 'failed')
    throw new Error(
      `Transcription failed: ${current.error?.code ?? ''} ${current.error?.message ?? ''}`.trim(),
    );
  return client.recordingTranscript(recordingId, options.format);
}
