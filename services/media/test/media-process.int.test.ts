// The media service as its own process (src/main.ts, what its image runs), driven over gRPC by
// the gateway's GrpcMediaSignalingPort: a werift WebRTC peer publishes spoken audio, and the PCM
// chunks arrive on the audio topic of a real Kafka. Calls without the gateway's service token are
// refused; SIGTERM drains live rooms before the process exits.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { credentials, Metadata } from '@grpc/grpc-js';
import { GrpcMediaSignalingPort } from '@lm/gateway';
import {
  callUnary,
  createLogger,
  LocalServiceTokenSource,
  LocalTokenIssuer,
  serviceMetadata,
  type AppError,
} from '@lm/kit';
import type { AudioChunk } from '@lm/proto/audio/v1/audio';
import { MediaSignalingServiceClient } from '@lm/proto/media/v1/media';
import { audioTopic, createBus, type Bus } from '@lm/streams';
import { ServiceProcess, freePort, waitFor } from '@lm/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaNotification } from '../src/signaling.js';
import { resolveWorkerBinary } from '../src/workerBinary.js';
import { makeSpeech, rms, streamOpusRtp, toSamples, type SpeechFixture } from './support/speech.js';
import { WeriftPublisher } from './support/WeriftPublisher.js';

// Fails here, naming scripts/setup/mediasoup.sh, when the worker has not been built.
const workerBin = resolveWorkerBinary();
const kafka = process.env.KAFKA_BROKERS;
const SENTENCE = 'Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.';
const AUDIENCE = 'lm-api';

interface MediaProcess {
  process: ServiceProcess;
  grpcAddress: string;
  opsPort: number;
}

describe('media service process over gRPC (real worker, ffmpeg, Kafka, werift peer)', () => {
  const logger = createLogger({
    service: 'media-process-test',
    level: 'silent',
    destination: new PassThrough(),
  });
  const topicPrefix = `media-proc-${Date.now().toString(36)}.`;
  let dir: string;
  let speech: SpeechFixture;
  let issuer: LocalTokenIssuer;
  let jwksServer: Server;
  let jwksUrl: string;
  let bus: Bus;
  const children: ServiceProcess[] = [];
  const closers: (() => unknown)[] = [];

  async function startMedia(extraEnv: Record<string, string> = {}): Promise<MediaProcess> {
    const [grpcPort, opsPort] = [await freePort(), await freePort()];
    const started = ServiceProcess.spawn({
      name: 'media',
      entry: 'services/media/src/main.ts',
      env: {
        ...process.env,
        KAFKA_BROKERS: kafka,
        LM_TOPIC_PREFIX: topicPrefix,
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: String(grpcPort),
        OPS_HOST: '127.0.0.1',
        OPS_PORT: String(opsPort),
        LOG_LEVEL: 'info',
        MEDIASOUP_WORKER_BIN: workerBin,
        MEDIA_WORKERS: '1',
        MEDIA_LISTEN_IP: '127.0.0.1',
        KEYCLOAK_URL: '',
        LM_AUTH_JWKS_URL: jwksUrl,
        LM_AUTH_ISSUER: issuer.issuer,
        ...extraEnv,
      },
    });
    children.push(started);
    await started.ready(`http://127.0.0.1:${opsPort}/readyz`);
    return { process: started, grpcAddress: `127.0.0.1:${grpcPort}`, opsPort };
  }

  function gatewayPort(address: string): GrpcMediaSignalingPort {
    const port = new GrpcMediaSignalingPort({
      address,
      tokens: new LocalServiceTokenSource(issuer, 'lm-gateway'),
      logger,
    });
    closers.push(() => port.close());
    return port;
  }

  beforeAll(async () => {
    expect(kafka, 'KAFKA_BROKERS is unset: start Kafka with scripts/infra/kafka.sh').toBeTruthy();
    dir = await mkdtemp(path.join(os.tmpdir(), 'lm-media-process-'));
    speech = await makeSpeech(dir, SENTENCE);
    // The gateway's local signer, and its key set served as the gateway serves it.
    issuer = await LocalTokenIssuer.create({
      issuer: 'http://127.0.0.1:1/auth',
      audience: AUDIENCE,
    });
    jwksServer = createHttpServer((_, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(issuer.jwks()));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const address = jwksServer.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/auth/jwks.json`;
    bus = createBus({
      clientId: 'media-process-test',
      logger,
      env: { ...process.env, LM_TOPIC_PREFIX: topicPrefix },
    });
    await bus.ensureTopics([audioTopic]);
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const child of children.splice(0)) await child.kill();
  });

  afterAll(async () => {
    await bus?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a WebRTC peer publishes through the gateway port; its speech reaches the audio topic on Kafka', async () => {
    const media = await startMedia();
    const chunks: AudioChunk[] = [];
    const tail = await bus.tail(audioTopic, (chunk) => {
      chunks.push(chunk);
    });
    closers.push(() => tail.close());

    const port = gatewayPort(media.grpcAddress);
    const notifications: [string, MediaNotification][] = [];
    port.onNotification((sessionId, notification) => notifications.push([sessionId, notification]));
    const sessionId = `lecture-${Date.now().toString(36)}`;
    await port.openRoom(sessionId);

    const publisher = new WeriftPublisher(port, {
      sessionId,
      peerId: 'teacher',
      role: 'publisher',
    });
    closers.unshift(() => publisher.close());
    await publisher.publish();
    expect(publisher.producerId).not.toBe('');

    // A viewer on the same gateway sees the producer, through the media service's own answer.
    const viewer = { sessionId, peerId: 'student', role: 'viewer' as const };
    const listed = await port.handle(viewer, JSON.stringify({ id: 'v1', method: 'listProducers' }));
    expect(listed).toEqual({
      id: 'v1',
      method: 'listProducers',
      ok: true,
      data: { producers: [{ peerId: 'teacher', producerId: publisher.producerId, kind: 'audio' }] },
    });
    // Roles decided by the gateway are enforced by the media service.
    const refused = await port.handle(viewer, {
      id: 'v2',
      method: 'createWebRtcTransport',
      direction: 'send',
    });
    expect(refused).toMatchObject({ id: 'v2', ok: false, error: { code: 'permission_denied' } });
    // A malformed message is answered at the gateway, in the same words as in process.
    expect(await port.handle(viewer, '{oops')).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument', message: 'signaling message is not JSON' },
    });
    port.leave(viewer);

    await waitFor(
      'the newProducer notification',
      () => notifications.find(([s, n]) => s === sessionId && n.notification === 'newProducer'),
      { timeoutMs: 5000 },
    );

    // Give the tap a moment to have ffmpeg listening (tapstart is not visible across processes).
    await new Promise((r) => setTimeout(r, 1000));
    const rtpPort = await publisher.rtpInput();
    await streamOpusRtp(speech.wav48, rtpPort);
    await new Promise((r) => setTimeout(r, 500));
    const closed = await port.handle(publisher.context, {
      id: 99,
      method: 'closeProducer',
      producerId: publisher.producerId,
    });
    expect(closed).toEqual({ id: 99, method: 'closeProducer', ok: true, data: {} });

    const end = await waitFor(
      'the end-of-stream chunk on the audio topic',
      () => chunks.find((c) => c.endOfStream && c.streamId === publisher.producerId),
      { timeoutMs: 20_000 },
    );
    expect(end).toMatchObject({ sessionId, endReason: 'client' });
    const audio = chunks.filter((c) => !c.endOfStream && c.streamId === publisher.producerId);
    expect(audio.every((c) => c.sessionId === sessionId && c.sampleRate === 16000)).toBe(true);
    expect(audio.map((c) => c.sequence)).toEqual(audio.map((_, i) => i));
    const received = toSamples(Buffer.concat(audio.map((c) => c.pcm)));
    // The whole sentence came through (a little lost to the tap starting), at speech level.
    expect((received.length / 16000) * 1000).toBeGreaterThan(speech.durationMs * 0.7);
    expect(rms(received)).toBeGreaterThan(0.3 * rms(speech.reference16));

    port.leave(publisher.context);
    expect(await media.process.stop()).toBe(0);
  });

  it('refuses calls without the gateway service token: none, a person, another service', async () => {
    const media = await startMedia();
    const client = new MediaSignalingServiceClient(media.grpcAddress, credentials.createInsecure());
    closers.push(() => client.close());
    const openRoom = (metadata: Metadata) =>
      callUnary(client.openRoom.bind(client), { sessionId: 'lecture-x' }, { metadata }).then(
        () => 'ok',
        (error: AppError) => error.code,
      );

    expect(await openRoom(new Metadata())).toBe('unauthenticated');
    const forged = new Metadata();
    forged.set('authorization', 'Bearer not-a-jwt');
    expect(await openRoom(forged)).toBe('unauthenticated');
    // A signed-in person's token is not a service's.
    const person = new Metadata();
    person.set(
      'authorization',
      `Bearer ${await issuer.issueAccessToken({ userId: 'u1', username: 'alice', roles: ['lecturer'] })}`,
    );
    expect(await openRoom(person)).toBe('permission_denied');
    // A platform service that is not the gateway may not drive rooms.
    expect(
      await openRoom(await serviceMetadata(new LocalServiceTokenSource(issuer, 'lm-tutor'))),
    ).toBe('permission_denied');
    // A token from another signer (same claims) is refused.
    const stranger = await LocalTokenIssuer.create({ issuer: issuer.issuer, audience: AUDIENCE });
    expect(
      await openRoom(await serviceMetadata(new LocalServiceTokenSource(stranger, 'lm-gateway'))),
    ).toBe('unauthenticated');
    // The streams are guarded too: a Signal stream without a token ends unauthenticated.
    const stream = client.signal(new Metadata());
    const status = await new Promise<number>((resolve) => {
      stream.on('error', (error: { code: number }) => resolve(error.code));
      stream.on('data', () => undefined);
    });
    expect(status).toBe(16); // UNAUTHENTICATED
    // And the gateway's own token works.
    expect(
      await openRoom(await serviceMetadata(new LocalServiceTokenSource(issuer, 'lm-gateway'))),
    ).toBe('ok');
  });

  it('SIGTERM drains: new rooms refused, the live room goes on until its peer leaves, then exit 0', async () => {
    const media = await startMedia({ MEDIA_DRAIN_TIMEOUT_MS: '60000' });
    const port = gatewayPort(media.grpcAddress);
    const sessionId = `drain-${Date.now().toString(36)}`;
    await port.openRoom(sessionId);
    const peer = { sessionId, peerId: 'teacher', role: 'publisher' as const };
    expect(await port.handle(peer, { id: 1, method: 'getRouterRtpCapabilities' })).toMatchObject({
      ok: true,
    });

    media.process.child.kill('SIGTERM');
    await waitFor(
      'readiness to fail',
      async () =>
        (await fetch(`http://127.0.0.1:${media.opsPort}/readyz`).then((r) => r.status)) === 503,
      { timeoutMs: 5000 },
    );
    await expect(port.openRoom('another-session')).rejects.toMatchObject({ code: 'unavailable' });
    // The live room still answers its peer.
    expect(await port.handle(peer, { id: 2, method: 'listProducers' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect(media.process.child.exitCode).toBeNull();

    const leftAt = Date.now();
    port.leave(peer);
    expect(await media.process.exited).toBe(0);
    expect(Date.now() - leftAt).toBeLessThan(15_000);
    expect(media.process.output()).toMatch(/"roomsLeft":0/);
  });
});
