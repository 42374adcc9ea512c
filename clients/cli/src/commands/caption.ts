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
  /** How long to wait for the last captions after the audio ended. */
  settleMs: number;
}

interface CaptionFrame {
  type: string;
  caption?: {
    kind: 'partial' | 'final';
    segmentIndex: number;
    text: string;
    startMs: number;
    endMs: number;
    audioCapturedAtMs: number;
    emittedAtMs: number;
  };
  finals?: unknown[];
  code?: string;
  message?: string;
}

export interface CaptionRunResult {
  sessionId: string;
  finals: { segmentIndex: number; text: string; startMs: number; endMs: number }[];
  audioMs: number;
  /** Wall-clock delay from sending a word's audio to the first caption containing it is measured by the benchmark; here: receive delay of captions after their newest audio was sent. */
  captionDelaysMs: { partial: number[]; final: number[] };
}

const FRAME_MS = 100;
const FRAME_BYTES = (16_000 * 2 * FRAME_MS) / 1000;

/** `lm caption <file>`: plays a recording into a new live session and shows its captions live. */
export async function runCaption(
  client: GatewayClient,
  options: CaptionOptions,
  out: NodeJS.WriteStream,
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
  const finals = new Map<
    number,
    { segmentIndex: number; text: string; startMs: number; endMs: number }
  >();
  const delays = { partial: [] as number[], final: [] as number[] };
  let lastCaptionAt = Date.now();

  const viewer = await client.openSocket(`/ws/captions/${session.id}`);
  viewer.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as CaptionFrame;
    if (frame.type === 'error') {
      out.write(`\ncaptions error: ${frame.code ?? ''} ${frame.message ?? ''}\n`);
      return;
    }
    if (frame.type !== 'caption' || !frame.caption) return;
    lastCaptionAt = Date.now();
    const c = frame.caption;
    if (c.audioCapturedAtMs > 0) delays[c.kind].push(Date.now() - c.audioCapturedAtMs);
    if (c.kind === 'final' && c.text.trim())
      finals.set(c.segmentIndex, {
        segmentIndex: c.segmentIndex,
        text: c.text,
        startMs: c.startMs,
        endMs: c.endMs,
      });
    renderer.render(c);
  });

  const ingest = await client.openSocket(`/ws/ingest/${session.id}?format=pcm16`);
  const ended = new Promise<void>((resolve, reject) => {
    ingest.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        code?: string;
        message?: string;
      };
      if (message.type === 'ended') resolve();
      if (message.type === 'error')
        reject(new Error(`ingest refused: ${message.code ?? ''} ${message.message ?? ''}`));
    });
    ingest.once('close', (code, reason) => {
      if (code !== 1000) reject(new Error(`ingest closed (${code}) ${reason.toString()}`));
    });
  });
  ended.catch(() => undefined);

  const started = Date.now();
  for (let offset = 0, frame = 0; offset < bytes.length; offset += FRAME_BYTES, frame++) {
    if (!options.fast) {
      const due = started + frame * FRAME_MS;
      const wait = due - Date.now();
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

  // The last words are finalised after the end of the audio: wait until captions settle.
  const deadline = Date.now() + options.settleMs * 4;
  while (Date.now() < deadline && Date.now() - lastCaptionAt < options.settleMs)
    await new Promise((r) => setTimeout(r, 100));
  renderer.finish();
  viewer.close();
  await client.endSession(session.id);
  return {
    sessionId: session.id,
    finals: [...finals.values()].sort((a, b) => a.segmentIndex - b.segmentIndex),
    audioMs: (pcm.length * 1000) / 16_000,
    captionDelaysMs: delays,
  };
}
