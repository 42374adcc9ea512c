import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { AudioChunker, decodeToPcm16k } from '@lm/audio';
import type { Logger } from '@lm/kit';
import { MaterialLibrary } from '@lm/library';
import { SileroStream, SileroVad, WhisperRecognizer } from '@lm/models';
import { AudioPurpose } from '@lm/proto/audio/v1/audio';
import { SegmentKind } from '@lm/proto/transcript/v1/transcript';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { PiperSynthesizer, ReplySpeaker } from '@lm/speech';
import {
  MemoryBus,
  audioTopic,
  speechAudioTopic,
  transcriptsTopic,
  tutorRepliesTopic,
} from '@lm/streams';
import {
  MemoryCheckpointStore,
  TranscriberService,
  WhisperWordRecognizer,
  tutoringPolicyFromEnv,
} from '@lm/transcriber';
import { EXTRACTIVE_LEAD_IN, EXTRACTIVE_NOT_FOUND, VoiceTutor, spokenSentences } from '@lm/tutor';
import { openTestTutor, type TestTutor } from '../test/support/openTestTutor.js';

const run = promisify(execFile);

/** One spoken question and what came back. */
export interface VoiceExchange {
  question: string;
  /** Wall clock: the last sample of the question's recording was sent / the first answer audio was published. */
  endOfSpeechAt: number;
  /**
   * Wall clock: the last sample loud enough to be speech was captured. espeak-ng ends its
   * recordings with ~350 ms of silence, which `endOfSpeechAt` includes: this is the true end.
   */
  lastSpeechAt: number;
  firstAudioAt: number;
  turnDecidedAt: number | null;
  /** Wall clock: the transcriber's last final with words / its end-of-turn final arrived. */
  lastWordsFinalAt: number | null;
  endOfTurnFinalAt: number | null;
  /** The reply had been prepared during the pause (speculation confirmed). */
  speculative: boolean;
  /** Wall clock: the reply's first sentence was ready (before the decision, when speculative). */
  firstSentenceReadyAt: number | null;
  /** What the transcriber heard, as the tutor's turn. */
  heardQuestion: string;
  reply: ReplyChunk[];
  /** The spoken answer (PCM s16le at `sampleRate`). */
  pcm: Int16Array;
  sampleRate: number;
  /** With `interrupt`: when the interruption's speech began (captured) and the cancel went out. */
  bargeIn?: { onsetAt: number; cancelAt: number | null; trigger: string | null };
}

/** Interrupt the answer: speak `text` once `afterAudioMs` of the answer has been sent. */
export interface Interruption {
  text: string;
  afterAudioMs: number;
}

/**
 * The whole voice path in one process on the embedded defaults: student audio (espeak-ng) →
 * lm.audio.v1 at real-time pace → transcriber (Silero VAD + whisper) → lm.transcripts.v1 →
 * VoiceTutor (retrieval + extractive answer) → lm.tutor-replies.v1 → ReplySpeaker (Piper) →
 * lm.speech-audio.v1. Only the gateway and media (transport) are left out.
 */
export class VoiceLoop {
  private constructor(
    private readonly parts: {
      dir: string;
      fixture: TestTutor;
      bus: MemoryBus;
      whisper: WhisperRecognizer;
      vad: SileroVad;
      synthesizer: PiperSynthesizer;
      transcriber: TranscriberService;
      voice: VoiceTutor;
      speaker: ReplySpeaker;
      library: MaterialLibrary;
    },
  ) {}

  static async open(logger: Logger, whisperModel = 'whisper-base'): Promise<VoiceLoop> {
    const dir = mkdtempSync(join(tmpdir(), 'lm-voice-loop-'));
    const fixture = await openTestTutor({ logger });
    const { tutor, store, library } = fixture;
    const bus = new MemoryBus();
    const whisper = await WhisperRecognizer.load(whisperModel);
    const vad = await SileroVad.load();
    const transcriber = new TranscriberService({
      bus,
      recognizer: new WhisperWordRecognizer(whisper),
      createDetector: () => new SileroStream(vad),
      checkpoints: new MemoryCheckpointStore(),
      logger,
      // As the platform runs it (TRANSCRIBER_TUTOR_* variables; unset: the defaults).
      tutoringPolicy: tutoringPolicyFromEnv(),
    });
    const synthesizer = new PiperSynthesizer();
    await synthesizer.warm();
    const voice = new VoiceTutor({
      bus,
      tutor,
      store,
      logger,
      createSpeechDetector: () => new SileroStream(vad),
    });
    const speaker = new ReplySpeaker({ bus, synthesizer, logger });
    await speaker.warm([EXTRACTIVE_LEAD_IN, EXTRACTIVE_NOT_FOUND].flatMap(spokenSentences));
    await transcriber.start();
    await voice.start();
    await speaker.start();
    return new VoiceLoop({
      dir,
      fixture,
      bus,
      whisper,
      vad,
      synthesizer,
      transcriber,
      voice,
      speaker,
      library,
    });
  }

  get library(): MaterialLibrary {
    return this.parts.library;
  }

  get voice(): VoiceTutor {
    return this.parts.voice;
  }

  get whisper(): WhisperRecognizer {
    return this.parts.whisper;
  }

  /** A question spoken by espeak-ng, as 16 kHz PCM. */
  async speak(text: string): Promise<Int16Array> {
    const file = join(this.parts.dir, `q-${Date.now()}.wav`);
    await run('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', file, text]);
    return decodeToPcm16k(Readable.from([readFileSync(file)]));
  }

  /** Asks by voice in a fresh tutoring room of `courseId`; resolves when the answer was spoken. */
  async ask(
    courseId: string,
    question: string,
    options: { timeoutMs?: number; interrupt?: Interruption } = {},
  ): Promise<VoiceExchange> {
    const sessionId = `voice-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    await this.parts.voice.openSession({ sessionId, userId: 'student', courseId });
    const speech = await this.speak(question);
    const reply: ReplyChunk[] = [];
    const audio: Int16Array[] = [];
    let sampleRate = 22050;
    let firstAudioAt = 0;
    let spokenEnd = false;
    let turnDecidedAt: number | null = null;
    let speculative = false;
    let firstSentenceReadyAt: number | null = null;
    let lastWordsFinalAt: number | null = null;
    let endOfTurnFinalAt: number | null = null;
    let heardQuestion = '';
    let firstTurn = '';
    let cancelAt: number | null = null;
    let trigger: string | null = null;
    this.parts.voice.events.turn = (e) => {
      if (e.sessionId !== sessionId || turnDecidedAt !== null) return;
      turnDecidedAt = e.decidedAtMs;
      speculative = e.speculative;
      firstSentenceReadyAt = e.firstSentenceReadyAtMs;
      heardQuestion = e.text;
      firstTurn = e.turnId;
    };
    this.parts.voice.events.bargeIn = (e) => {
      if (e.sessionId === sessionId) trigger = e.trigger;
    };
    const replies = await this.parts.bus.tail(tutorRepliesTopic, (c) => {
      if (c.sessionId !== sessionId) return;
      // What the gateway forwards to the student's tutor socket as it is published.
      if (c.body?.$case === 'cancelled' && c.turnId === firstTurn) cancelAt ??= Date.now();
      if (c.turnId === firstTurn || !firstTurn) reply.push(c);
    });
    const transcripts = await this.parts.bus.tail(transcriptsTopic, (s) => {
      if (
        s.sessionId !== sessionId ||
        turnDecidedAt !== null ||
        s.kind !== SegmentKind.SEGMENT_KIND_FINAL
      )
        return;
      if (s.text.trim() !== '') lastWordsFinalAt = Date.now();
      if (s.endOfTurn) endOfTurnFinalAt ??= Date.now();
    });
    let firstAudioSamples = 0;
    const spoken = await this.parts.bus.tail(speechAudioTopic, (c) => {
      if (c.sessionId !== sessionId || (firstTurn && c.utteranceId !== firstTurn)) return;
      if (c.pcm.length > 0) {
        if (!firstAudioAt) firstAudioAt = Date.now();
        sampleRate = c.sampleRate;
        const bytes = Buffer.from(c.pcm);
        audio.push(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
        firstAudioSamples += bytes.byteLength / 2;
      }
      if (c.endOfUtterance) spokenEnd = true;
    });
    // A live microphone: the question at real-time pace, then silence until the answer is over
    // (or, to interrupt it, the interruption once enough of the answer was sent). Each 100 ms
    // frame goes out when its last sample has been captured.
    const interruption = options.interrupt
      ? await this.speak(options.interrupt.text)
      : new Int16Array(0);
    let interruptFrom: number | null = null;
    let onsetAt = 0;
    const chunker = new AudioChunker({
      sessionId,
      streamId: 'mic',
      purpose: AudioPurpose.AUDIO_PURPOSE_TUTOR,
      chunkMs: 100,
    });
    const chunkSamples = 1600;
    const started = Date.now();
    let sent = 0;
    let endOfSpeechAt = 0;
    const deadline = started + (options.timeoutMs ?? 60_000);
    const captureTime = (sample: number) => started + (sample / 16000) * 1000;
    const lastSpeechAt = captureTime(lastLoudIndex(speech) + 1);
    const interrupting = () =>
      interruptFrom !== null && sent < interruptFrom + interruption.length + 8000;
    try {
      while (!spokenEnd || interrupting()) {
        if (Date.now() > deadline) throw new Error(`no spoken answer to "${question}" in time`);
        await new Promise((r) =>
          setTimeout(r, Math.max(0, captureTime(sent + chunkSamples) - Date.now())),
        );
        const audioMs = (firstAudioSamples / sampleRate) * 1000;
        if (
          options.interrupt &&
          interruptFrom === null &&
          audioMs >= options.interrupt.afterAudioMs
        ) {
          interruptFrom = sent;
          onsetAt = captureTime(sent + onsetIndex(interruption));
        }
        let piece: Int16Array;
        if (sent < speech.length) piece = speech.subarray(sent, sent + chunkSamples);
        else if (interruptFrom !== null && sent - interruptFrom < interruption.length)
          piece = interruption.subarray(sent - interruptFrom, sent - interruptFrom + chunkSamples);
        else piece = new Int16Array(chunkSamples);
        const frame = new Int16Array(chunkSamples);
        frame.set(piece);
        for (const chunk of chunker.push(Buffer.from(frame.buffer)))
          await this.parts.bus.publish(audioTopic, chunk);
        sent += chunkSamples;
        if (sent >= speech.length && !endOfSpeechAt) endOfSpeechAt = Date.now();
      }
    } finally {
      // Also after a timeout: the stream ends and the room closes, so the next question starts clean.
      for (const chunk of chunker.end('client')) await this.parts.bus.publish(audioTopic, chunk);
      await replies.close();
      await spoken.close();
      await transcripts.close();
      await this.parts.voice.endSession(sessionId);
    }
    const pcm = new Int16Array(audio.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of audio) {
      pcm.set(a, offset);
      offset += a.length;
    }
    return {
      question,
      endOfSpeechAt,
      lastSpeechAt,
      firstAudioAt,
      turnDecidedAt,
      lastWordsFinalAt,
      endOfTurnFinalAt,
      speculative,
      firstSentenceReadyAt,
      heardQuestion,
      reply,
      pcm,
      sampleRate,
      ...(options.interrupt ? { bargeIn: { onsetAt, cancelAt, trigger } } : {}),
    };
  }

  async close(): Promise<void> {
    const p = this.parts;
    await p.speaker.stop();
    await p.voice.stop();
    await p.transcriber.close();
    await p.bus.close();
    await p.synthesizer.close();
    await p.whisper.close();
    await p.vad.close();
    await p.fixture.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
}

/** Index of the last sample loud enough to be speech (espeak-ng ends with ~350 ms of silence). */
function lastLoudIndex(samples: Int16Array): number {
  for (let i = samples.length - 1; i >= 0; i -= 1) if (Math.abs(samples[i] ?? 0) > 1000) return i;
  return samples.length - 1;
}

/** Index of the first sample loud enough to be speech (espeak-ng starts with a little silence). */
function onsetIndex(samples: Int16Array): number {
  const i = samples.findIndex((s) => Math.abs(s) > 1000);
  return i < 0 ? 0 : i;
}
