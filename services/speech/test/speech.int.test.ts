import { Readable } from 'node:stream';
import { credentials, Metadata } from '@grpc/grpc-js';
import { decodeToPcm16k, parseWav } from '@lm/audio';
import { wordErrorRate } from '@lm/audio/testing';
import { GrpcServer, callUnary, createLogger } from '@lm/kit';
import { WhisperRecognizer } from '@lm/models';
import {
  SpeechServiceClient,
  SpeechServiceService,
  type SpeechAudioChunk,
} from '@lm/proto/speech/v1/speech';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { MemoryBus, speechAudioTopic } from '@lm/streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiperSynthesizer, ReplySpeaker, SpeechService, speechGrpcService } from '@lm/speech';
import { waitFor } from '@lm/kit/testing';

const logger = createLogger({ service: 'speech-test', level: 'warn' });

async function transcribe(recognizer: WhisperRecognizer, wav: Buffer): Promise<string> {
  const pcm = await decodeToPcm16k(Readable.from([wav]));
  const floats = Float32Array.from(pcm, (s) => s / 32768);
  const result = await recognizer.recognize(floats, { language: 'en' });
  return result.segments
    .map((s) => s.text)
    .join(' ')
    .toLowerCase();
}

/** Long enough that one or two misheard words cannot dominate the word error rate. */
const READ_BACK_TEXT =
  'Mitochondria produce energy for the cell. Ribosomes build proteins from amino acids. ' +
  'The nucleus holds the genetic material, and the membrane controls what enters the cell.';

describe('speech with the real Piper voice', () => {
  let synthesizer: PiperSynthesizer;
  let speech: SpeechService;

  beforeAll(async () => {
    synthesizer = new PiperSynthesizer();
    await synthesizer.warm();
    speech = new SpeechService(synthesizer);
  });

  afterAll(async () => {
    await synthesizer?.close();
  });

  it('lists the voice and synthesizes WAV that whisper reads back', async () => {
    const voices = await speech.listVoices();
    expect(voices).toContainEqual(
      expect.objectContaining({
        id: 'piper-en-us-joe-medium',
        language: 'en-US',
        sampleRate: 22050,
      }),
    );
    const { wav, sampleRate, durationMs } = await speech.synthesizeWav({
      text: READ_BACK_TEXT,
    });
    expect(sampleRate).toBe(22050);
    expect(durationMs).toBeGreaterThan(2000);
    expect(Math.abs(parseWav(wav).samples.length - (durationMs / 1000) * sampleRate)).toBeLessThan(
      sampleRate / 1000,
    );
    const recognizer = await WhisperRecognizer.load('whisper-base');
    try {
      const text = await transcribe(recognizer, wav);
      // Piper samples noise, so the audio (and a word or two of whisper's reading) varies run to
      // run: bound the word error rate over several sentences rather than demand every word.
      const wer = wordErrorRate(READ_BACK_TEXT, text);
      console.log(`TTS read back: "${text}" (WER ${(wer * 100).toFixed(0)}%)`);
      expect(wer).toBeLessThanOrEqual(0.2);
      expect(text).toMatch(/mitochondria/);
    } finally {
      await recognizer.close();
    }
  });

  it('rejects empty text and unknown voices', async () => {
    await expect(speech.synthesizeWav({ text: '  ' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(speech.synthesizeWav({ text: 'Hi.', voiceId: 'nope' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('streams sentence by sentence over gRPC', async () => {
    const server = new GrpcServer(logger);
    server.addService(
      'lm.speech.v1.SpeechService',
      SpeechServiceService,
      speechGrpcService(speech, logger),
    );
    const port = await server.listen('127.0.0.1', 0);
    const client = new SpeechServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const voices = await callUnary(client.listVoices.bind(client), {});
      expect(voices.voices.map((v) => v.id)).toContain('piper-en-us-joe-medium');
      const chunks: SpeechAudioChunk[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.synthesize(
          { text: 'First sentence here. And a second one.', voiceId: '', speed: 1 },
          new Metadata(),
        );
        stream.on('data', (c: SpeechAudioChunk) => chunks.push(c));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      expect(chunks.filter((c) => c.text).map((c) => c.text)).toEqual([
        'First sentence here.',
        'And a second one.',
      ]);
      expect(chunks.at(-1)?.endOfUtterance).toBe(true);
      expect(chunks.slice(0, -1).every((c) => c.pcm.length > 0 && c.sampleRate === 22050)).toBe(
        true,
      );
      await expect(
        new Promise((resolve, reject) => {
          const stream = client.synthesize({ text: '', voiceId: '', speed: 1 });
          stream.on('data', resolve);
          stream.on('error', reject);
        }),
      ).rejects.toMatchObject({ details: 'text is required' });
    } finally {
      client.close();
      await server.close(100);
    }
  });

  it('warmed sentences are spoken from the cache: no synthesis before the first audio', async () => {
    const bus = new MemoryBus();
    const speaker = new ReplySpeaker({ bus, synthesizer, logger });
    // Longer than the sentences cached on first use: only warm() puts it there.
    const stock = 'I could not find this in your course materials, so I will not guess at all.';
    await speaker.warm([stock]);
    await speaker.start();
    const utterances: { synthMs: number; sentences: number }[] = [];
    speaker.onUtterance = (e) => utterances.push(e);
    const base = { conversationId: 'c1', sessionId: 'room-w', emittedAtMs: 0, sequence: 0 };
    for (const [turnId, sentence] of [
      ['w1', stock],
      ['w2', 'Ribosomes build proteins from the amino acids the cell takes in.'],
    ] as const) {
      speaker.onReplyChunk({ ...base, turnId, body: { $case: 'sentence', value: sentence } });
      speaker.onReplyChunk({
        ...base,
        turnId,
        body: { $case: 'done', value: { text: '', citations: [] } },
      });
      await waitFor(
        `the utterance of ${turnId}`,
        () => utterances.length === (turnId === 'w1' ? 1 : 2),
        { timeoutMs: 20_000 },
      );
    }
    // The warmed sentence cost no synthesis; an unwarmed one of the same length did.
    expect(utterances.map((u) => u.sentences)).toEqual([1, 1]);
    expect(utterances[0]!.synthMs).toBeLessThan(5);
    expect(utterances[1]!.synthMs).toBeGreaterThan(20);
    await speaker.stop();
    await bus.close();
  });

  it('speaks reply sentences from the bus paced to playback, and stops on cancellation', async () => {
    const bus = new MemoryBus();
    const speaker = new ReplySpeaker({ bus, synthesizer, logger, leadMs: 200 });
    await speaker.start();
    const received: { chunk: SpeechAudioChunk; at: number }[] = [];
    await bus.tail(speechAudioTopic, (chunk) => {
      received.push({ chunk, at: Date.now() });
    });
    const base = { conversationId: 'c1', sessionId: 'room-1', emittedAtMs: 0 };
    let sequence = 0;
    const send = (turnId: string, body: ReplyChunk['body']) =>
      speaker.onReplyChunk({ ...base, turnId, sequence: sequence++, body });

    // A whole reply: two sentences, then done.
    const started = Date.now();
    send('t1', { $case: 'sentence', value: 'The cell membrane is a lipid bilayer.' });
    send('t1', { $case: 'sentence', value: 'It lets small molecules through.' });
    send('t1', { $case: 'done', value: { text: '', citations: [] } });
    await waitFor(
      'the end of t1',
      () => received.some((r) => r.chunk.utteranceId === 't1' && r.chunk.endOfUtterance),
      { timeoutMs: 20_000 },
    );
    const t1 = received.filter((r) => r.chunk.utteranceId === 't1');
    const audioMs = t1.reduce(
      (ms, r) => ms + (r.chunk.pcm.length / 2 / r.chunk.sampleRate) * 1000,
      0,
    );
    expect(t1.filter((r) => r.chunk.text).map((r) => r.chunk.text)).toEqual([
      'The cell membrane is a lipid bilayer.',
      'It lets small molecules through.',
    ]);
    // Paced: the last audio left no earlier than its playback time minus the lead.
    const lastAudio = t1.filter((r) => r.chunk.pcm.length > 0).at(-1)!;
    expect(lastAudio.at - started).toBeGreaterThan(audioMs - 200 - 150);

    // Barge-in: cancelled while speaking a long sentence; audio stops within the lead.
    send('t2', {
      $case: 'sentence',
      value:
        'Proteins are long chains of amino acids that fold into shapes, and their shape decides what they do in the cell.',
    });
    await waitFor(
      'audio of t2',
      () => received.some((r) => r.chunk.utteranceId === 't2' && r.chunk.pcm.length > 0),
      { timeoutMs: 20_000 },
    );
    await new Promise((r) => setTimeout(r, 600));
    const cancelAt = Date.now();
    send('t2', { $case: 'cancelled', value: { reason: 'barge-in' } });
    await waitFor(
      'the end of t2',
      () => received.some((r) => r.chunk.utteranceId === 't2' && r.chunk.endOfUtterance),
      { timeoutMs: 20_000 },
    );
    const t2 = received.filter((r) => r.chunk.utteranceId === 't2');
    const after = t2.filter((r) => r.at > cancelAt && r.chunk.pcm.length > 0);
    expect(after).toEqual([]);
    const sentMs = t2.reduce(
      (ms, r) => ms + (r.chunk.pcm.length / 2 / r.chunk.sampleRate) * 1000,
      0,
    );
    const firstAt = t2.find((r) => r.chunk.pcm.length > 0)!.at;
    // What had been sent but not yet played when the cancel came is at most the lead (+ one chunk).
    expect(sentMs - (cancelAt - firstAt)).toBeLessThanOrEqual(300);
    // Text replies (no session) are not spoken.
    speaker.onReplyChunk({
      ...base,
      sessionId: '',
      turnId: 't3',
      sequence: 0,
      body: { $case: 'sentence', value: 'Silent.' },
    });
    await speaker.stop();
    await bus.close();
    expect(received.some((r) => r.chunk.utteranceId === 't3')).toBe(false);
  });
});
