import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import type { Logger } from '@lm/kit';
import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';
import { audioTopic, type Bus, type Subscription } from '@lm/streams';
import { LECTURE_SAMPLE_RATE, WAV_HEADER_BYTES, lectureWavHeader } from './lectureAudio.js';
import { formatBytes, type RecordingStorage } from './RecordingStorage.js';

export interface LectureRecorderOptions {
  bus: Bus;
  /** Where the WAVs go (one file per session, named by the session id). */
  storage: RecordingStorage;
  logger: Logger;
  /** Largest WAV kept per session (header included); audio past it is dropped and logged. */
  maxBytesPerSession: number;
  /** How often the header of a growing file is brought up to date (default 1 s). */
  headerIntervalMs?: number;
  /** A session that sent nothing for this long has its file closed (reopened if audio comes). */
  idleCloseMs?: number;
  /** Consumer group (default `lecture-recorder`): every group gets every chunk. */
  group?: string;
}

/** What is kept next to a WAV so that a restarted recorder makes the same choices. */
interface SessionMeta {
  /** The one stream recorded for the session: the first that published. */
  streamId: string;
  /** Its end-of-stream arrived: the WAV is final. */
  ended: boolean;
}

interface OpenSession {
  meta: SessionMeta;
  file: FileHandle;
  /** PCM bytes after the header (the highest end written). */
  dataBytes: number;
  /** The data size the header on disk says. */
  headerBytes: number;
  /** Sample where the stream's next chunk is expected (absorbs ms rounding of `startMs`). */
  nextSample: number;
  capped: boolean;
  lastChunkAt: number;
  /** Other streams already logged as not recorded. */
  ignored: Set<string>;
}

const SAMPLES_PER_MS = LECTURE_SAMPLE_RATE / 1000;
/** Ended sessions remembered in memory (older ones are found from their metadata file). */
const ENDED_MEMORY = 1000;

/**
 * Keeps the audio of live lectures: reads the audio topic in its own consumer group and writes
 * each session's PCM into a WAV file. Every chunk is written at the place its stream time
 * (`startMs`) says, so a gap in the stream becomes silence and a chunk delivered twice (the bus
 * is at-least-once) lands on itself instead of shifting the rest; that also makes a restarted
 * recorder safe to re-read what it had already written.
 *
 * One stream per session: the first stream that publishes is recorded, later or concurrent
 * streams are logged and left out. Transcript times are per stream (each stream's time starts at
 * 0), so one stream is what a transcript line's time can point into; mixing would also add a
 * second voice under the lecturer's. The choice is stored next to the WAV and survives restarts.
 *
 * The file is readable while the lecture runs: its header is patched every `headerIntervalMs`
 * (and readers rebuild it from the file's length anyway, see openLectureAudio); the stream's
 * end-of-stream chunk finalises it.
 */
export class LectureRecorder {
  readonly #options: LectureRecorderOptions;
  readonly #log: Logger;
  readonly #maxDataBytes: number;
  readonly #open = new Map<string, OpenSession>();
  readonly #ended = new Set<string>();
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Serialises the timer's header patches and closes with the chunk writes. */
  #work: Promise<void> = Promise.resolve();

  constructor(options: LectureRecorderOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'lecture-recorder' });
    this.#maxDataBytes = Math.max(0, options.maxBytesPerSession - WAV_HEADER_BYTES);
  }

  async start(): Promise<void> {
    await mkdir(this.#options.storage.dir, { recursive: true });
    this.#subscription = await this.#options.bus.subscribe(
      audioTopic,
      // From the beginning for a new group: audio retained on the bus is still worth keeping.
      { group: this.#options.group ?? 'lecture-recorder', fromBeginning: true },
      (chunk) => this.#serial(() => this.#handle(chunk)),
    );
    this.#timer = setInterval(
      () =>
        void this.#serial(() => this.#tick()).catch((err: unknown) =>
          this.#log.error({ err }, 'header update failed'),
        ),
      this.#options.headerIntervalMs ?? 1000,
    );
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#subscription?.close();
    await this.#serial(async () => {
      for (const sessionId of [...this.#open.keys()]) await this.#closeFile(sessionId);
    });
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#work.then(task);
    this.#work = run.catch(() => undefined);
    return run;
  }

  async #handle(chunk: AudioChunk): Promise<void> {
    // A student's voice in a tutoring room is not a lecture.
    if (chunk.purpose === AudioPurpose.AUDIO_PURPOSE_TUTOR) return;
    const sessionId = chunk.sessionId;
    if (this.#ended.has(sessionId)) return;
    if (!chunk.endOfStream && chunk.sampleRate !== LECTURE_SAMPLE_RATE) {
      this.#log.warn(
        { session: sessionId, stream: chunk.streamId, sampleRate: chunk.sampleRate },
        'audio chunk at an unexpected sample rate: not recorded',
      );
      return;
    }
    const session = await this.#session(chunk);
    if (!session) return;
    if (session.meta.streamId !== chunk.streamId) {
      if (!session.ignored.has(chunk.streamId)) {
        session.ignored.add(chunk.streamId);
        this.#log.info(
          { session: sessionId, stream: chunk.streamId, recorded: session.meta.streamId },
          'another audio stream in this session: only the first stream is recorded',
        );
      }
      return;
    }
    session.lastChunkAt = Date.now();
    if (chunk.pcm.length > 0) await this.#write(sessionId, session, chunk);
    if (chunk.endOfStream) await this.#finish(sessionId, session, chunk.endReason);
  }

  /** The open file of the chunk's session; undefined when the session's recording is final. */
  async #session(chunk: AudioChunk): Promise<OpenSession | undefined> {
    const sessionId = chunk.sessionId;
    const known = this.#open.get(sessionId);
    if (known) return known;
    const path = this.#options.storage.path(sessionId);
    const stored = await this.#readMeta(sessionId);
    if (stored?.ended) {
      this.#rememberEnded(sessionId);
      return undefined;
    }
    // A stream that ends before sending any audio leaves nothing to keep.
    if (!stored && chunk.endOfStream && chunk.pcm.length === 0) return undefined;
    const meta = stored ?? { streamId: chunk.streamId, ended: false };
    if (!stored) await this.#writeMeta(sessionId, meta);
    let file: FileHandle;
    let dataBytes = 0;
    try {
      // Reopened after a restart (or an idle close): positions are absolute, so writing on is safe.
      file = await open(path, 'r+');
      dataBytes = Math.max(0, (await file.stat()).size - WAV_HEADER_BYTES);
    } catch {
      file = await open(path, 'w+');
      await file.write(lectureWavHeader(0), 0, WAV_HEADER_BYTES, 0);
    }
    const session: OpenSession = {
      meta,
      file,
      dataBytes,
      headerBytes: -1,
      nextSample: dataBytes / 2,
      capped: false,
      lastChunkAt: Date.now(),
      ignored: new Set(),
    };
    this.#open.set(sessionId, session);
    if (!stored)
      this.#log.info({ session: sessionId, stream: meta.streamId }, 'recording lecture audio');
    return session;
  }

  async #write(sessionId: string, session: OpenSession, chunk: AudioChunk): Promise<void> {
    let sample = Math.round(Number(chunk.startMs) * SAMPLES_PER_MS);
    // `startMs` is whole milliseconds: a chunk within a millisecond of where the previous one
    // ended follows it exactly, so rounding never leaves a one-sample click or overlap.
    if (Math.abs(sample - session.nextSample) <= SAMPLES_PER_MS) sample = session.nextSample;
    const pcm = chunk.pcm.subarray(0, chunk.pcm.length - (chunk.pcm.length % 2));
    session.nextSample = sample + pcm.length / 2;
    const position = sample * 2;
    const room = this.#maxDataBytes - position;
    const length = Math.max(0, Math.min(pcm.length, room));
    if (length < pcm.length && !session.capped) {
      session.capped = true;
      this.#log.warn(
        {
          session: sessionId,
          stream: chunk.streamId,
          maxBytes: this.#options.maxBytesPerSession,
          atMs: Number(chunk.startMs),
        },
        `lecture audio reached its size limit of ${formatBytes(this.#options.maxBytesPerSession)} (LM_LECTURE_AUDIO_MAX_BYTES): the rest of the session is not recorded`,
      );
    }
    if (length === 0) return;
    await session.file.write(pcm, 0, length, WAV_HEADER_BYTES + position);
    session.dataBytes = Math.max(session.dataBytes, position + length);
  }

  async #finish(sessionId: string, session: OpenSession, reason: string): Promise<void> {
    await this.#patchHeader(session);
    await session.file.sync();
    await session.file.close();
    this.#open.delete(sessionId);
    session.meta.ended = true;
    await this.#writeMeta(sessionId, session.meta);
    this.#rememberEnded(sessionId);
    this.#log.info(
      {
        session: sessionId,
        stream: session.meta.streamId,
        durationMs: Math.round(session.dataBytes / 2 / SAMPLES_PER_MS),
        bytes: WAV_HEADER_BYTES + session.dataBytes,
        reason,
      },
      'lecture audio recorded',
    );
  }

  async #tick(): Promise<void> {
    const idleBefore = Date.now() - (this.#options.idleCloseMs ?? 5 * 60_000);
    for (const [sessionId, session] of this.#open) {
      if (session.lastChunkAt < idleBefore) await this.#closeFile(sessionId);
      else await this.#patchHeader(session);
    }
  }

  async #patchHeader(session: OpenSession): Promise<void> {
    if (session.headerBytes === session.dataBytes) return;
    await session.file.write(lectureWavHeader(session.dataBytes), 0, WAV_HEADER_BYTES, 0);
    session.headerBytes = session.dataBytes;
  }

  /** Closes a file without finalising the recording: more audio may still come. */
  async #closeFile(sessionId: string): Promise<void> {
    const session = this.#open.get(sessionId);
    if (!session) return;
    this.#open.delete(sessionId);
    await this.#patchHeader(session);
    await session.file.close();
  }

  #rememberEnded(sessionId: string): void {
    this.#ended.add(sessionId);
    if (this.#ended.size > ENDED_MEMORY) {
      const oldest = this.#ended.values().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  #metaPath(sessionId: string): string {
    return `${this.#options.storage.path(sessionId)}.json`;
  }

  async #readMeta(sessionId: string): Promise<SessionMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaPath(sessionId), 'utf8')) as SessionMeta;
    } catch {
      return undefined;
    }
  }

  async #writeMeta(sessionId: string, meta: SessionMeta): Promise<void> {
    await writeFile(this.#metaPath(sessionId), JSON.stringify(meta));
  }
}
