import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { AudioChunker, decodeToPcm16k } from '@lm/audio';
import { Db } from '@lm/db';
import type { Logger } from '@lm/kit';
import { EmbeddedVectorStore, MaterialLibrary, libraryDb } from '@lm/library';
import { SentenceEmbedder, SileroVad, WhisperRecognizer } from '@lm/models';
import { AudioPurpose } from '@lm/proto/audio/v1/audio';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { PiperSynthesizer, ReplySpeaker } from '@lm/speech';
import { MemoryBus, audioTopic, speechAudioTopic, tutorRepliesTopic } from '@lm/streams';
import {
  MemoryCheckpointStore,
  SileroDetector,
  TranscriberService,
  WhisperWordRecognizer,
} from '@lm/transcriber';
import { ConversationStore, ExtractiveLlm, TutorService, VoiceTutor, tutorDb } from '@lm/tutor';

const run = promisify(execFile);

/** One spoken question and what came back. */
export interface VoiceExchange {
  question: string;
  /** Wall clock: the last sample of the question's speech was sent / the first answer audio was published. */
  endOfSpeechAt: number;
  firstAudioAt: number;
  turnDecidedAt: number | null;
  /** What the transcriber heard, as the tutor's turn. */
  heardQuestion: string;
  reply: ReplyChunk[];
  /** The spoken answer (PCM s16le at `sampleRate`). */
  pcm: Int16Array;
  sampleRate: number;
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
      db: Db;
      bus: MemoryBus;
      embedder: SentenceEmbedder;
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
    const db = await Db.open({ pgliteDir: join(dir, 'db') });
    await db.migrate();
    const vectors = await EmbeddedVectorStore.fromPglite(db.pglite!);
    const embedder = await SentenceEmbedder.load();
    const library = new MaterialLibrary({ db: libraryDb(db.kysely), vectors, embedder, logger });
    const store = new ConversationStore(tutorDb(db.kysely));
    const tutor = new TutorService({
      store,
      retriever: library,
      llm: new ExtractiveLlm(embedder),
      logger,
    });
    const bus = new MemoryBus();
    const whisper = await WhisperRecognizer.load(whisperModel);
    const vad = await SileroVad.load();
    const transcriber = new TranscriberService({
      bus,
      recognizer: new WhisperWordRecognizer(whisper),
      createDetector: () => new SileroDetector(vad),
      checkpoints: new MemoryCheckpointStore(),
      logger,
    });
    const synthesizer = new PiperSynthesizer();
    await synthesizer.warm();
    const voice = new VoiceTutor({ bus, tutor, store, logger });
    const speaker = new ReplySpeaker({ bus, synthesizer, logger });
    await transcriber.start();
    await voice.start();
    await speaker.start();
    return new VoiceLoop({
      dir,
      db,
      bus,
      embedder,
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
    options: { timeoutMs?: number } = {},
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
    let heardQuestion = '';
    this.parts.voice.events.turn = (e) => {
      if (e.sessionId !== sessionId) return;
      turnDecidedAt = e.decidedAtMs;
      heardQuestion = e.text;
    };
    const replies = await this.parts.bus.tail(tutorRepliesTopic, (c) => {
      if (c.sessionId === sessionId) reply.push(c);
    });
    const spoken = await this.parts.bus.tail(speechAudioTopic, (c) => {
      if (c.sessionId !== sessionId) return;
      if (c.pcm.length > 0) {
        if (!firstAudioAt) firstAudioAt = Date.now();
        sampleRate = c.sampleRate;
        const bytes = Buffer.from(c.pcm);
        audio.push(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
      }
      if (c.endOfUtterance) spokenEnd = true;
    });
    // A live microphone: the question at real-time pace, then silence until the answer is over.
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
    while (!spokenEnd) {
      if (Date.now() > deadline) throw new Error(`no spoken answer to "${question}" in time`);
      const piece =
        sent < speech.length
          ? speech.subarray(sent, sent + chunkSamples)
          : new Int16Array(chunkSamples);
      const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      for (const chunk of chunker.push(Buffer.from(bytes)))
        await this.parts.bus.publish(audioTopic, chunk);
      sent += chunkSamples;
      if (sent >= speech.length && !endOfSpeechAt) endOfSpeechAt = Date.now();
      const due = started + (sent / 16000) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    for (const chunk of chunker.end('client')) await this.parts.bus.publish(audioTopic, chunk);
    await replies.close();
    await spoken.close();
    await this.parts.voice.endSession(sessionId);
    const pcm = new Int16Array(audio.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of audio) {
      pcm.set(a, offset);
      offset += a.length;
    }
    return {
      question,
      endOfSpeechAt,
      firstAudioAt,
      turnDecidedAt,
      heardQuestion,
      reply,
      pcm,
      sampleRate,
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
    await p.embedder.close();
    await p.db.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
}
