import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { encodeWav } from '@lm/audio';
import type { Citation, ReplyChunk } from '@lm/api';
import type { RawData } from 'ws';
import { uploadNotes } from './commands/materials.js';
import { GatewayError, type GatewayClient } from './GatewayClient.js';
import { formatCitations, parseNdjson } from './tutorFormat.js';

export interface TutorCommandArgs {
  /** A signed-in client (the CLI entry point builds it with `connect`). */
  client: GatewayClient;
  courseId: string;
  conversationId?: string;
  /**
   * Files to upload first (text, Markdown, PDF): a lecturer's become course materials, anyone
   * else's their private notes (see `uploadNotes`).
   */
  upload?: string[];
  /** One question and exit; without it (and without `audio`) an interactive chat. */
  question?: string;
  /** Ask by voice: an audio file (any format ffmpeg reads) sent through the ingest. */
  audio?: string;
  /** Where the spoken answer is saved (WAV), with `audio`. */
  out?: string;
  /** Give up waiting for a voice answer after this long. */
  timeoutMs?: number;
}

export interface TutorCommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * `lm tutor`: uploads notes, then a text chat in the terminal (answers streamed as they are
 * written, citations after), or `--audio <file>` to ask by voice and save the spoken answer.
 * Routes: services/tutor/README.md ("Proposed gateway routes").
 */
export async function runTutorCommand(
  args: TutorCommandArgs,
  io: TutorCommandIo,
): Promise<{ conversationId: string | undefined }> {
  for (const file of args.upload ?? []) {
    const material = await uploadNotes(args.client, args.courseId, file);
    const what = material.visibility === 'private' ? 'your private notes' : 'course material';
    io.stderr.write(
      `uploaded ${file} (${what}): "${material.title}", ${material.chunkCount} passages\n`,
    );
  }
  if (args.audio) return askByVoice(args, io);
  let conversationId = args.conversationId;
  if (args.question) {
    conversationId = await chatTurn(args, conversationId, args.question, io);
    return { conversationId };
  }
  if (args.upload?.length && !process.stdin.isTTY && io.stdin === process.stdin)
    return { conversationId };
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  io.stdout.write('Ask about your course (an empty line ends the chat).\n> ');
  for await (const line of rl) {
    const question = line.trim();
    if (question === '') break;
    conversationId = await chatTurn(args, conversationId, question, io);
    io.stdout.write('> ');
  }
  rl.close();
  return { conversationId };
}

async function chatTurn(
  args: TutorCommandArgs,
  conversationId: string | undefined,
  text: string,
  io: TutorCommandIo,
): Promise<string | undefined> {
  const body = await args.client.tutorChat({ courseId: args.courseId, conversationId, text });
  let id = conversationId;
  let citations: Citation[] = [];
  for await (const chunk of parseNdjson<ReplyChunk>(body)) {
    id = chunk.conversationId || id;
    if (chunk.token !== undefined) io.stdout.write(chunk.token);
    if (chunk.done) citations = chunk.done.citations ?? [];
    if (chunk.cancelled) io.stdout.write(`\n(reply cancelled: ${chunk.cancelled.reason})`);
  }
  io.stdout.write('\n');
  if (citations.length > 0) io.stdout.write(`${formatCitations(citations)}\n`);
  return id;
}

async function askByVoice(
  args: TutorCommandArgs,
  io: TutorCommandIo,
): Promise<{ conversationId: string | undefined }> {
  const audio = await readFile(args.audio ?? '');
  const session = await args.client.openTutorSession(args.courseId, args.conversationId);
  const replies = await args.client.openSocket(
    `/ws/tutor/${encodeURIComponent(session.sessionId)}`,
  );
  const pcm: Buffer[] = [];
  let sampleRate = 22050;
  let text = '';
  let citations: Citation[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new GatewayError(0, 'deadline_exceeded', 'No spoken answer in time')),
      args.timeoutMs ?? 120_000,
    );
    let replyOver = false;
    let audioOver = false;
    replies.on('message', (data: RawData) => {
      const frame = JSON.parse(rawText(data)) as {
        type: string;
        chunk?: ReplyChunk;
        sampleRate?: number;
        pcm?: string;
        endOfUtterance?: boolean;
        code?: string;
        message?: string;
      };
      if (frame.type === 'error')
        reject(new GatewayError(0, frame.code ?? 'internal', frame.message ?? 'error'));
      if (frame.type === 'reply' && frame.chunk) {
        if (frame.chunk.done) {
          text = frame.chunk.done.text ?? '';
          citations = frame.chunk.done.citations ?? [];
          replyOver = true;
        }
        if (frame.chunk.cancelled) replyOver = true;
      }
      if (frame.type === 'audio') {
        sampleRate = frame.sampleRate ?? sampleRate;
        if (frame.pcm) pcm.push(Buffer.from(frame.pcm, 'base64'));
        if (frame.endOfUtterance) audioOver = true;
      }
      if (replyOver && audioOver) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ingest = await args.client.openSocket(
    `/ws/ingest/${encodeURIComponent(session.sessionId)}?format=container`,
  );
  for (let i = 0; i < audio.length; i += 32 * 1024) ingest.send(audio.subarray(i, i + 32 * 1024));
  ingest.send(JSON.stringify({ type: 'end' }));
  try {
    await finished;
  } finally {
    ingest.close();
    replies.close();
  }
  const all = Buffer.concat(pcm);
  const samples = new Int16Array(all.buffer, all.byteOffset, Math.floor(all.byteLength / 2));
  const out = args.out ?? 'tutor-answer.wav';
  await writeFile(out, encodeWav({ sampleRate, channels: 1, samples }));
  io.stdout.write(`${text}\n`);
  if (citations.length > 0) io.stdout.write(`${formatCitations(citations)}\n`);
  io.stderr.write(`spoken answer: ${out} (${(samples.length / sampleRate).toFixed(1)} s)\n`);
  return { conversationId: session.conversationId };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
