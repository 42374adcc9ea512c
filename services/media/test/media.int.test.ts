import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@lm/kit';
import type { AudioChunk } from '@lm/proto/audio/v1/audio';
import { waitFor } from '@lm/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMediaConfig } from '../src/config.js';
import { MediaService, type MediaServiceEvents } from '../src/MediaService.js';
import { resolveWorkerBinary } from '../src/workerBinary.js';
import {
  bestCorrelation,
  envelope,
  makeSpeech,
  rms,
  streamOpusRtp,
  toSamples,
  type SpeechFixture,
} from './support/speech.js';
import { WeriftPublisher } from './support/WeriftPublisher.js';

// Fails here, naming scripts/setup/mediasoup.sh, when the worker has not been built.
const workerBin = resolveWorkerBinary();

const SENTENCE =
  'The mitochondria is the powerhouse of the cell, and today we study how it makes energy.';

function nextEvent<K extends keyof MediaServiceEvents>(
  service: MediaService,
  event: K,
  timeoutMs = 10_000,
): Promise<MediaServiceEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no '${event}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    service.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

function processGone(pid: number | undefined): boolean {
  // A zombie would still have a /proc entry; a reaped child has none.
  return pid !== undefined && !existsSync(`/proc/${pid}`);
}

describe('media service with a real mediasoup worker and ffmpeg', () => {
  let dir: string;
  let speech: SpeechFixture;
  const logLines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (line: Buffer) => logLines.push(line.toString()));
  const logger = createLogger({ service: 'media-test', level: 'info', destination: logStream });
  const services: MediaService[] = [];

  async function startService(sink: (chunk: AudioChunk) => Promise<void>): Promise<MediaService> {
    const config = loadMediaConfig({
      ...process.env,
      MEDIA_WORKERS: '1',
      MEDIASOUP_WORKER_BIN: workerBin,
    });
    const service = await MediaService.start({ config, logger, sink });
    services.push(service);
    return service;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lm-media-test-'));
    speech = await makeSpeech(dir, SENTENCE);
  });

  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('taps a WebRTC (werift) Opus publisher into 16 kHz PCM chunks that carry the speech', async () => {
    const chunks: AudioChunk[] = [];
    const service = await startService((chunk) => {
      chunks.push(chunk);
      return Promise.resolve();
    });
    const sessionId = 'lecture-1';
    await service.openRoom(sessionId);

    const publisher = new WeriftPublisher(service.signaling, {
      sessionId,
      peerId: 'teacher',
      role: 'publisher',
    });
    try {
      const tapStarted = nextEvent(service, 'tapstart');
      await publisher.publish();
      const [{ streamId, ffmpegPid }] = await tapStarted;
      expect(streamId).toBe(publisher.producerId);
      expect(ffmpegPid).toBeGreaterThan(0);

      const port = await publisher.rtpInput();
      await streamOpusRtp(speech.wav48, port);
      await new Promise((r) => setTimeout(r, 300)); // last packets through the jitter path

      // Closing the producer ends the stream: rest of the audio, end marker, ffmpeg gone.
      const tapClosed = nextEvent(service, 'tapclose');
      await publisher.request({ method: 'closeProducer', producerId: publisher.producerId });
      const [closed] = await tapClosed;
      expect(closed.reason).toBe('client');
      expect(processGone(ffmpegPid)).toBe(true);

      const audio = chunks.filter((c) => !c.endOfStream);
      const last = chunks.at(-1);
      expect(last).toMatchObject({ endOfStream: true, endReason: 'client', sessionId, streamId });
      expect(chunks.filter((c) => c.endOfStream)).toHaveLength(1);
      expect(audio.map((c) => c.sequence)).toEqual(audio.map((_, i) => i));
      expect(audio.every((c) => c.sampleRate === 16000 && c.sessionId === sessionId)).toBe(true);
      expect(audio.slice(0, -1).every((c) => c.pcm.length === 3200)).toBe(true);
      expect(audio.slice(1).every((c, i) => c.startMs === (audio[i]?.startMs ?? 0) + 100)).toBe(
        true,
      );

      const received = toSamples(Buffer.concat(audio.map((c) => c.pcm)));
      const receivedMs = (received.length / 16000) * 1000;
      // Duration: the whole sentence came through (Opus/ffmpeg may add or trim a few frames).
      expect(Math.abs(receivedMs - speech.durationMs)).toBeLessThan(400);
      // Content: speech-level energy, and the loudness contour of the input sentence.
      expect(rms(received)).toBeGreaterThan(0.3 * rms(speech.reference16));
      const { r } = bestCorrelation(envelope(speech.reference16), envelope(received), 50);
      expect(r).toBeGreaterThan(0.8);
      console.info(
        `tap: input ${speech.durationMs.toFixed(0)} ms, received ${receivedMs.toFixed(0)} ms in ` +
          `${audio.length} chunks, envelope r=${r.toFixed(3)}`,
      );
    } finally {
      await publisher.close();
    }
  });

  it('lets viewers consume but not produce, and rejects malformed requests', async () => {
    const service = await startService(() => Promise.resolve());
    const sessionId = 'lecture-2';
    await service.openRoom(sessionId);
    const viewer = { sessionId, peerId: 'student', role: 'viewer' as const };

    const send = await service.signaling.handle(viewer, {
      id: 1,
      method: 'createWebRtcTransport',
      direction: 'send',
    });
    expect(send).toMatchObject({ id: 1, ok: false, error: { code: 'permission_denied' } });

    const recv = await service.signaling.handle(viewer, {
      id: 2,
      method: 'createWebRtcTransport',
      direction: 'recv',
    });
    expect(recv.ok).toBe(true);
    if (!recv.ok || recv.method !== 'createWebRtcTransport') throw new Error('unreachable');
    expect(recv.data.iceCandidates[0]).toMatchObject({ address: '127.0.0.1', protocol: 'udp' });
    expect(recv.data.dtlsParameters.fingerprints.length).toBeGreaterThan(0);

    const bad = await service.signaling.handle(
      viewer,
      JSON.stringify({ id: 3, method: 'consume', transportId: recv.data.id }),
    );
    expect(bad).toMatchObject({ id: 3, ok: false, error: { code: 'invalid_argument' } });

    const unknownProducer = await service.signaling.handle(viewer, {
      id: 4,
      method: 'consume',
      transportId: recv.data.id,
      producerId: 'nope',
      rtpCapabilities: service.getRoom(sessionId)?.rtpCapabilities,
    });
    expect(unknownProducer).toMatchObject({
      id: 4,
      ok: false,
      error: { code: 'failed_precondition' },
    });
  });

  it('ends the stream with an error reason when ffmpeg dies, and leaves no process behind', async () => {
    const chunks: AudioChunk[] = [];
    const service = await startService((chunk) => {
      chunks.push(chunk);
      return Promise.resolve();
    });
    const sessionId = 'lecture-ffmpeg';
    await service.openRoom(sessionId);
    const publisher = new WeriftPublisher(service.signaling, {
      sessionId,
      peerId: 'teacher',
      role: 'publisher',
    });
    try {
      const tapStarted = nextEvent(service, 'tapstart');
      await publisher.publish();
      const [{ ffmpegPid }] = await tapStarted;
      if (!ffmpegPid) throw new Error('no ffmpeg pid');

      const tapClosed = nextEvent(service, 'tapclose');
      process.kill(ffmpegPid, 'SIGKILL');
      const [closed] = await tapClosed;
      expect(closed.reason).toMatch(/^error: ffmpeg was killed with signal SIGKILL/);
      expect(chunks.at(-1)).toMatchObject({ endOfStream: true, endReason: closed.reason });
      expect(processGone(ffmpegPid)).toBe(true);
      expect(
        logLines.some((l) => l.includes('ffmpeg failed') && l.includes(`"session":"${sessionId}"`)),
      ).toBe(true);
      // The WebRTC side is untouched: the producer still exists in the room.
      expect(service.getRoom(sessionId)?.listProducers()).toHaveLength(1);
    } finally {
      await publisher.close();
    }
  });

  it('reports a killed worker loudly and closes its rooms and taps with a reason', async () => {
    const chunks: AudioChunk[] = [];
    const service = await startService((chunk) => {
      chunks.push(chunk);
      return Promise.resolve();
    });
    const sessionId = 'lecture-3';
    const room = await service.openRoom(sessionId);
    const roomEvents: string[] = [];
    room.on('close', (reason) => roomEvents.push(reason.code));

    const publisher = new WeriftPublisher(service.signaling, {
      sessionId,
      peerId: 'teacher',
      role: 'publisher',
    });
    try {
      const tapStarted = nextEvent(service, 'tapstart');
      await publisher.publish();
      const [{ ffmpegPid }] = await tapStarted;

      const died = nextEvent(service, 'workerdied');
      const roomClosed = nextEvent(service, 'roomclose');
      const tapClosed = nextEvent(service, 'tapclose');
      const replaced = new Promise<void>((resolve) =>
        service.pool.once('workerreplaced', () => resolve()),
      );
      const [worker] = service.pool.workers;
      if (!worker) throw new Error('no worker');
      process.kill(worker.pid, 'SIGKILL');

      const [deathEvent] = await died;
      expect(deathEvent.pid).toBe(worker.pid);
      expect(deathEvent.routers).toBe(1);
      const [{ reason }] = await roomClosed;
      expect(reason.code).toBe('worker-died');
      expect(roomEvents).toEqual(['worker-died']);
      expect(service.getRoom(sessionId)).toBeUndefined();
      const [tap] = await tapClosed;
      expect(tap.reason).toBe('error: media worker died');
      expect(chunks.at(-1)).toMatchObject({
        endOfStream: true,
        endReason: 'error: media worker died',
      });
      await waitFor('ffmpeg to exit', () => processGone(ffmpegPid), { timeoutMs: 5000 });
      expect(
        logLines.some((l) => l.includes('MEDIA WORKER DIED') && l.includes('"level":"error"')),
      ).toBe(true);

      // The pool replaces the worker, so the session can be reopened.
      await replaced;
      const reopened = await service.openRoom(sessionId);
      expect(reopened).not.toBe(room);
      expect(reopened.closed).toBe(false);
    } finally {
      await publisher.close();
    }
  });
});
