import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeToPcm16k } from '@lm/audio';
import { CaptionRenderer } from '../CaptionRenderer.js';
import type { GatewayClient } from '../GatewayClient.js';

export interface CaptionOptions {
  file: string;
  fast: boolean;
  title?: string | undefined;
  courseId?: string | undefined;
  timestamps: boolean;
  /** How long to wait for the transcript to complete after the audio ended. */
  finishTimeoutMs: number;
}

/** A caption as the gateway's viewer feed sends it (docs/api.md). */
export interface ReceivedCaption {
  kind: 'partial' | 'final';
  streamId: string;
  segmentIndex: number;
  text: string;
  startMs: number;
  endMs: number;
  audioCapturedAtMs: number;
  emittedAtMs: number;
  streamEnded: boolean;
  words: { text: string; startMs: number; endMs: number; confidence: number }[];
  /** When this client received it (ms since epoch). */
  receivedAtMs: number;
}

interface CaptionFrame {
  type: string;
  caption?: Omit<ReceivedCaption, 'receivedAtMs'>;
  code?: string;
  message?: string;
}

export interface CaptionRunResult {
  sessionId: string;
  finals: { segmentIndex: number; text: string; startMs: number; endMs: number }[];
  /** Every caption received, in order, with its receive time (benchmarks compute latencies from it). */
  captions: ReceivedCaption[];
  audioMs: number;
  /** Wall-clock time the first audio frame was sent (stream time 0). */
  sendStartedAtMs: number;
  /** The transcript was complete (the stream-ended marker arrived) before the timeout. */
  complete: boolean;
}

const FRAME_MS = 100;
const FRAME_BYTES = (16_000 * 2 * FRAME_MS) / 1000;

/** `lm caption <file>`: plays a recording into a new live session and shows its captions live. */
export async function runCaption(
  client: GatewayClient,
  options: CaptionOptions,
  out: { write(text: string): unknown; isTTY?: boolean; columns?: number },
): Promise<CaptionRunResult> {
  if (!existsSync(options.file)) throw new Error(`No such file: ${options.file}`);
  const pcm = await decodeToPcm16k(createReadStream(options.file));
  const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const session = await client.createSession({
    title: options.title ?? basename(options.file),
    kind: 'lecture',
    ...(options.courseId ? { courseId: options.courseId } : {}),
  });
  const renderer = new CaptionRenderer(out, { timestamps: options.timestamps });
  const captions: ReceivedCaption[] = [];
  let streamId: string | undefined;
  let markTranscribed: () => void = () => undefined;
  const transcribed = new Promise<void>((resolve) => (markTranscribed = resolve));

  const viewer = await client.openSocket(`/ws/captions/${session.id}`, (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as CaptionFrame;
    if (frame.type === 'error') {
      out.write(`\ncaptions error: ${frame.code ?? ''} ${frame.message ?? ''}\n`);
      return;
    }
    if (frame.type !== 'caption' || !frame.caption) return;
    const caption = { ...frame.caption, receivedAtMs: Date.now() };
    captions.push(caption);
    if (caption.streamEnded) {
      if (caption.streamId === streamId) markTranscribed();
      return;
    }
    renderer.render(caption);
  });

  let endIngest: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ended = new Promise<void>((resolve, reject) => (endIngest = { resolve, reject }));
  ended.catch(() => undefined);
  // The ingest says `ready` (with the stream's id) as soon as it accepts: listen from the start.
  const ingest = await client.openSocket(`/ws/ingest/${session.id}?format=pcm16`, (data) => {
    const message = JSON.parse(data.toString('utf8')) as {
      type: string;
      code?: string;
      message?: string;
      streamId?: string;
    };
    if (message.type === 'ready') streamId = message.streamId;
    if (message.type === 'ended') endIngest?.resolve();
    if (message.type === 'error')
      endIngest?.reject(
        new Error(`ingest refused: ${message.code ?? ''} ${message.message ?? ''}`),
      );
  });
  ingest.once('close', (code, reason) => {
    if (code !== 1000) endIngest?.reject(new Error(`ingest closed (${code}) ${reason.toString()}`));
  });

  const sendStartedAtMs = Date.now();
  for (let offset = 0, frame = 0; offset < bytes.length; offset += FRAME_BYTES, frame++) {
    if (!options.fast) {
      const wait = sendStartedAtMs + frame * FRAME_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await new Promise<void>((resolve, reject) =>
      ingest.send(bytes.subarray(offset, offset + FRAME_BYTES), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  ingest.send(JSON.stringify({ type: 'end' }));
  await ended;

  // The last words are finalised after the end of the audio: wait for the transcriber to say the
  // stream is complete (bounded, in case it is overloaded or gone).
  let timer: NodeJS.Timeout | undefined;
  const complete = await Promise.race([
    transcribed.then(() => true),
    new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), options.finishTimeoutMs)),
    ),
  ]);
  clearTimeout(timer);
  renderer.finish();
  if (!complete)
    out.write(
      `(the transcript was not complete after ${Math.round(options.finishTimeoutMs / 1000)} s; showing what arrived)\n`,
    );
  viewer.close();
  await client.endSession(session.id);
  const finals = new Map<
    number,
    { segmentIndex: number; text: string; startMs: number; endMs: number }
  >();
  for (const c of captions) {
    if (c.kind === 'final' && c.text.trim())
      finals.set(c.segmentIndex, {
        segmentIndex: c.segmentIndex,
        text: c.text,
        startMs: c.startMs,
        endMs: c.endMs,
      });
  }
  return {
    sessionId: session.id,
    finals: [...finals.values()].sort((a, b) => a.segmentIndex - b.segmentIndex),
    captions,
    audioMs: (pcm.length * 1000) / 16_000,
    sendStartedAtMs,
    complete,
  };
}
