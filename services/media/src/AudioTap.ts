import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type Logger } from '@lm/kit';
import type { AudioChunk, AudioPurpose } from '@lm/proto/audio/v1/audio';
import ffmpeg from 'fluent-ffmpeg';
import type { types } from 'mediasoup';
import { AudioChunker } from '@lm/audio';
import { opusRtpSdp } from './opusSdp.js';
import { TypedEventEmitter } from './TypedEventEmitter.js';
import { allocateUdpPortPair, isUdpPortBound } from './udpPorts.js';

/** Where the tap's chunks go (the lead wires it to the lm.audio.v1 topic). Called in order. */
export type AudioChunkSink = (chunk: AudioChunk) => Promise<void>;

export interface AudioTapOptions {
  sessionId: string;
  router: types.Router;
  /** The router's worker, so that a tap ended by the worker's death says so. */
  worker?: types.Worker;
  producer: types.Producer;
  sink: AudioChunkSink;
  logger: Logger;
  /** Loopback address for RTP between the PlainTransport and ffmpeg. */
  tapIp?: string;
  tapMinPort?: number;
  tapMaxPort?: number;
  chunkMs?: number;
  purpose?: AudioPurpose;
  /** Path of ffmpeg; PATH (or FFMPEG_PATH) by default. */
  ffmpegPath?: string;
}

export interface AudioTapCloseEvent {
  sessionId: string;
  streamId: string;
  /** The end-of-stream reason sent to the sink: "client", "room closed", "error: ...". */
  reason: string;
  chunks: number;
}

export type AudioTapEvents = {
  close: [AudioTapCloseEvent];
};

/** Chunks waiting for the sink before ffmpeg's output is paused (UDP then drops, not memory). */
const MAX_QUEUED_CHUNKS = 50;
/** How long ffmpeg may take to exit after 'q' before it is killed. */
const FFMPEG_STOP_TIMEOUT_MS = 3000;
/** How long ffmpeg may take to open its UDP port. */
const FFMPEG_READY_TIMEOUT_MS = 5000;

/** ffmpeg children still running, killed if this process exits without closing its taps. */
const liveFfmpeg = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveFfmpeg) child.kill('SIGKILL');
});

/**
 * Taps one audio producer: a PlainTransport (no comedia, RTCP muxed) consumes it and sends RTP to
 * a local UDP port where ffmpeg, told by an SDP file what arrives, decodes Opus to 16 kHz mono
 * s16le on stdout; an AudioChunker cuts that into chunks for the sink. When the producer closes
 * (or the room, or ffmpeg fails) the sink gets the rest of the audio and an end-of-stream chunk.
 */
export class AudioTap extends TypedEventEmitter<AudioTapEvents> {
  readonly sessionId: string;
  readonly streamId: string;
  readonly #options: AudioTapOptions;
  readonly #logger: Logger;
  readonly #chunker: AudioChunker;
  #transport: types.PlainTransport | undefined;
  #consumer: types.Consumer | undefined;
  #process: ChildProcess | undefined;
  #output: PassThrough | undefined;
  #workDir: string | undefined;
  #rtpPort = 0;
  #stderrTail: string[] = [];
  #ffmpegDone: Promise<void> = Promise.resolve();
  #outputEnded: Promise<void> = Promise.resolve();
  #started = false;
  #sinkQueue: Promise<void> = Promise.resolve();
  #queued = 0;
  #chunksSent = 0;
  #closing: Promise<AudioTapCloseEvent> | undefined;
  #stopping = false;

  /** Starts a tap; resolves once ffmpeg listens and RTP flows. */
  static async start(options: AudioTapOptions): Promise<AudioTap> {
    if (options.producer.kind !== 'audio') {
      throw new AppError('invalid_argument', 'only audio producers can be tapped');
    }
    const tap = new AudioTap(options);
    try {
      await tap.#start();
    } catch (error) {
      await tap.close(`error: tap start failed: ${errorMessage(error)}`);
      throw error instanceof AppError
        ? error
        : new AppError('unavailable', `audio tap could not start: ${errorMessage(error)}`, {
            cause: error,
            retryable: true,
          });
    }
    return tap;
  }

  private constructor(options: AudioTapOptions) {
    super();
    this.#options = options;
    this.sessionId = options.sessionId;
    this.streamId = options.producer.id;
    this.#logger = options.logger.child({ session: options.sessionId, stream: this.streamId });
    this.#chunker = new AudioChunker({
      sessionId: options.sessionId,
      streamId: this.streamId,
      chunkMs: options.chunkMs ?? 100,
      ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
    });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The ffmpeg child's pid while it runs (for diagnostics and tests). */
  get ffmpegPid(): number | undefined {
    return this.#process?.pid;
  }

  /** The UDP port ffmpeg reads RTP on. */
  get rtpPort(): number {
    return this.#rtpPort;
  }

  /**
   * Stops the tap: closes the mediasoup side, lets ffmpeg flush and exit (killing it if it does
   * not), delivers the remaining audio and the end-of-stream chunk. Idempotent.
   */
  close(reason = 'client'): Promise<AudioTapCloseEvent> {
    this.#closing ??= this.#close(reason);
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { router, producer } = this.#options;
    const tapIp = this.#options.tapIp ?? '127.0.0.1';

    this.#transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: tapIp },
      rtcpMux: true,
      comedia: false,
      appData: { tap: producer.id },
    });
    this.#consumer = await this.#transport.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
      paused: true,
    });
    const codec = this.#consumer.rtpParameters.codecs[0];
    if (!codec || codec.mimeType.toLowerCase() !== 'audio/opus') {
      throw new AppError('failed_precondition', `cannot tap codec ${codec?.mimeType ?? 'none'}`);
    }
    const roomGone = (): string =>
      this.#options.worker?.died ? 'error: media worker died' : 'room closed';
    this.#consumer.on('producerclose', () => void this.close('client'));
    this.#consumer.on('transportclose', () => void this.close(roomGone()));
    this.#transport.on('routerclose', () => void this.close(roomGone()));

    this.#rtpPort = await allocateUdpPortPair(
      tapIp,
      this.#options.tapMinPort ?? 41000,
      this.#options.tapMaxPort ?? 41999,
    );
    this.#workDir = await mkdtemp(path.join(os.tmpdir(), 'lm-audio-tap-'));
    const sdpPath = path.join(this.#workDir, 'input.sdp');
    await writeFile(
      sdpPath,
      opusRtpSdp({ ip: tapIp, port: this.#rtpPort, payloadType: codec.payloadType }),
    );

    await this.#spawnFfmpeg(sdpPath);
    await this.#waitForFfmpegPort();
    await this.#transport.connect({ ip: tapIp, port: this.#rtpPort });
    await this.#consumer.resume();
    this.#started = true;
    this.#logger.info(
      { port: this.#rtpPort, payloadType: codec.payloadType, ffmpegPid: this.ffmpegPid },
      'audio tap started',
    );
  }

  #spawnFfmpeg(sdpPath: string): Promise<void> {
    return new Promise<void>((resolveStarted, rejectStarted) => {
      let started = false;
      let settle!: () => void;
      this.#ffmpegDone = new Promise<void>((resolve) => (settle = resolve));
      const command = ffmpeg({ stdoutLines: 0 })
        .input(sdpPath)
        .inputOptions([
          '-hide_banner',
          '-loglevel',
          'warning',
          '-protocol_whitelist',
          'file,udp,rtp',
          // Start decoding on the first packets instead of buffering to analyse the stream.
          '-fflags',
          'nobuffer',
          '-analyzeduration',
          '0',
          '-reorder_queue_size',
          '16',
        ])
        .noVideo()
        .audioCodec('pcm_s16le')
        .audioChannels(1)
        .audioFrequency(16000)
        .format('s16le')
        .outputOptions(['-flush_packets', '1']);
      if (this.#options.ffmpegPath) command.setFfmpegPath(this.#options.ffmpegPath);

      command.on('start', (commandLine: string) => {
        started = true;
        const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
        this.#process = proc;
        if (proc) liveFfmpeg.add(proc);
        this.#logger.debug({ commandLine }, 'ffmpeg started');
        resolveStarted();
      });
      command.on('stderr', (line: string) => {
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > 20) this.#stderrTail.shift();
      });
      command.on('error', (error: Error) => {
        this.#onFfmpegExit(error);
        settle();
        if (!started) rejectStarted(error);
      });
      command.on('end', () => {
        this.#onFfmpegExit(undefined);
        settle();
      });

      const output = command.pipe() as PassThrough;
      this.#output = output;
      this.#outputEnded = new Promise<void>((resolve) => {
        output.once('end', resolve);
        output.once('close', resolve);
      });
      output.on('data', (pcm: Buffer) => {
        if (!this.#chunker.ended) this.#deliver(this.#chunker.push(pcm));
      });
      // fluent-ffmpeg reports a failing output stream through the command's 'error' too.
      output.on('error', () => undefined);
    });
  }

  #onFfmpegExit(error: Error | undefined): void {
    if (this.#process) liveFfmpeg.delete(this.#process);
    this.#process = undefined;
    if (this.#stopping) return; // we asked it to stop; its exit status does not matter
    const message = error?.message.split('\n')[0] ?? 'ffmpeg exited while the stream was live';
    this.#logger.error(
      { err: error, stderr: this.#stderrTail },
      'ffmpeg failed: closing audio tap',
    );
    void this.close(`error: ${message}`);
  }

  async #waitForFfmpegPort(): Promise<void> {
    const deadline = Date.now() + FFMPEG_READY_TIMEOUT_MS;
    for (;;) {
      if (!this.#process) {
        throw new AppError(
          'unavailable',
          `ffmpeg exited at start: ${this.#stderrTail.join(' | ')}`,
        );
      }
      const bound = await isUdpPortBound(this.#rtpPort);
      if (bound === undefined) {
        await sleep(300); // no /proc: give ffmpeg a moment to open its socket
        return;
      }
      if (bound) return;
      if (Date.now() > deadline) {
        throw new AppError('unavailable', 'ffmpeg did not open its RTP port in time', {
          retryable: true,
        });
      }
      await sleep(20);
    }
  }

  #deliver(chunks: AudioChunk[]): void {
    for (const chunk of chunks) {
      this.#queued += 1;
      if (this.#queued > MAX_QUEUED_CHUNKS && this.#output && !this.#output.isPaused()) {
        this.#logger.warn({ queued: this.#queued }, 'audio sink is slow: pausing decoder output');
        this.#output.pause();
      }
      this.#sinkQueue = this.#sinkQueue.then(async () => {
        try {
          await this.#options.sink(chunk);
          this.#chunksSent += 1;
        } catch (error) {
          this.#logger.error(
            { err: error, sequence: chunk.sequence, endOfStream: chunk.endOfStream },
            'audio sink failed for a chunk',
          );
        } finally {
          this.#queued -= 1;
          if (
            this.#queued <= MAX_QUEUED_CHUNKS / 2 &&
            this.#output?.isPaused() &&
            !this.#stopping
          ) {
            this.#output.resume();
          }
        }
      });
    }
  }

  async #close(reason: string): Promise<AudioTapCloseEvent> {
    this.#stopping = true;
    this.#consumer?.close();
    this.#transport?.close();

    const proc = this.#process;
    if (proc) {
      // 'q' on stdin makes ffmpeg flush its decoder and exit cleanly; SIGKILL if it hangs.
      this.#output?.resume();
      try {
        proc.stdin?.write('q');
      } catch {
        // stdin already closed: the kill below covers it
      }
      const killTimer = setTimeout(() => proc.kill('SIGKILL'), FFMPEG_STOP_TIMEOUT_MS);
      await this.#ffmpegDone;
      clearTimeout(killTimer);
      liveFfmpeg.delete(proc);
    }
    // ffmpeg's last PCM is still in the pipe after it exits; wait for the stream's end.
    await Promise.race([this.#outputEnded, sleep(500, undefined, { ref: false })]);

    // A tap that never started never began a stream, so it owes the sink no end marker.
    if (this.#started) this.#deliver(this.#chunker.end(reason));
    await this.#sinkQueue;
    if (this.#workDir) await rm(this.#workDir, { recursive: true, force: true });
    this.#process = undefined;

    const event: AudioTapCloseEvent = {
      sessionId: this.sessionId,
      streamId: this.streamId,
      reason,
      chunks: this.#chunksSent,
    };
    if (reason.startsWith('error')) this.#logger.error({ reason }, 'audio tap closed');
    else this.#logger.info({ reason, chunks: this.#chunksSent }, 'audio tap closed');
    this.emit('close', event);
    return event;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
