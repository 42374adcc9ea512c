import type { Logger } from '@lm/kit';
import type { ReplyChunk } from '@lm/proto/tutor/v1/tutor';
import { speechAudioTopic, tutorRepliesTopic, type Bus, type Subscription } from '@lm/streams';
import { PlaybackPacer } from './PlaybackPacer.js';
import { CHUNK_MS, frames, pcmBytes } from './SpeechService.js';
import type { SpeechSynthesizer, SynthesizedSpeech } from './SpeechSynthesizer.js';

/** Sentences kept in the speech cache, and the longest sentence cached (~3 s of audio each). */
const SPEECH_CACHE_ENTRIES = 64;
const SPEECH_CACHE_MAX_CHARS = 60;

export interface ReplySpeakerDeps {
  bus: Bus;
  synthesizer: SpeechSynthesizer;
  logger: Logger;
  voiceId?: string;
  /** Audio sent ahead of playback (bounds how long speech goes on after a barge-in). */
  leadMs?: number;
  group?: string;
}

/** Timing of one spoken utterance (for the benchmark and logs). */
export interface UtteranceEvent {
  sessionId: string;
  turnId: string;
  /** When the first audio chunk was published (wall clock ms), null if none was. */
  firstAudioAtMs: number | null;
  sentences: number;
  audioMs: number;
  synthMs: number;
  cancelled: boolean;
}

interface Utterance {
  sessionId: string;
  turnId: string;
  sentences: string[];
  finished: boolean;
  cancelled: boolean;
  /** Wakes the worker waiting for the next sentence. */
  wake: (() => void) | undefined;
  /** Ends a pacing sleep early (cancellation only). */
  interrupt: (() => void) | undefined;
  worker: Promise<void> | undefined;
}

/**
 * Speaks tutor replies: sentence chunks of lm.tutor-replies.v1 (of tutoring rooms, i.e. with a
 * session id) are synthesized one after another as they arrive and published to
 * lm.speech-audio.v1 in 100 ms chunks, paced to real-time playback per session. A cancelled
 * chunk stops the utterance at once: no further audio is sent, and the last chunk (marked
 * end_of_utterance) follows. Text chat replies (no session) are not spoken.
 *
 * Speech is ephemeral: the handler queues and returns at once (so a cancel is seen while a
 * sentence is being synthesized), and a message redelivered after a crash is a stale sentence
 * that is better dropped than spoken late.
 */
export class ReplySpeaker {
  private readonly utterances = new Map<string, Utterance>();
  private readonly pacers = new Map<string, PlaybackPacer>();
  private subscription: Subscription | undefined;
  /**
   * Recently spoken short sentences: replies repeat phrases ("Here is what your course
   * materials say."), and a cached one starts playing without waiting for synthesis.
   */
  private readonly cache = new Map<string, SynthesizedSpeech>();
  onUtterance: ((event: UtteranceEvent) => void) | undefined;

  constructor(private readonly deps: ReplySpeakerDeps) {}

  async start(): Promise<void> {
    await this.deps.bus.ensureTopics([tutorRepliesTopic, speechAudioTopic]);
    this.subscription = await this.deps.bus.subscribe(
      tutorRepliesTopic,
      { group: this.deps.group ?? 'lm-speech' },
      (chunk) => this.onReplyChunk(chunk),
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    for (const u of this.utterances.values()) this.cancel(u);
    await Promise.all([...this.utterances.values()].map((u) => u.worker ?? Promise.resolve()));
  }

  onReplyChunk(chunk: ReplyChunk): void {
    if (!chunk.sessionId || !chunk.body) return;
    const key = chunk.turnId;
    switch (chunk.body.$case) {
      case 'token':
        return;
      case 'sentence': {
        const u = this.utterance(chunk);
        if (u.cancelled || u.finished) return;
        u.sentences.push(chunk.body.value);
        this.run(u);
        return;
      }
      case 'done': {
        const u = this.utterance(chunk);
        u.finished = true;
        this.run(u);
        return;
      }
      case 'cancelled': {
        const u = this.utterances.get(key) ?? this.utterance(chunk);
        this.cancel(u);
        // The listener drops its queue on barge-in: the next reply starts from silence.
        this.pacers.get(u.sessionId)?.reset();
        this.run(u);
        return;
      }
    }
  }

  private utterance(chunk: ReplyChunk): Utterance {
    let u = this.utterances.get(chunk.turnId);
    if (!u) {
      u = {
        sessionId: chunk.sessionId,
        turnId: chunk.turnId,
        sentences: [],
        finished: false,
        cancelled: false,
        wake: undefined,
        interrupt: undefined,
        worker: undefined,
      };
      this.utterances.set(chunk.turnId, u);
    }
    return u;
  }

  private cancel(u: Utterance): void {
    u.cancelled = true;
    u.wake?.();
    u.interrupt?.();
  }

  private run(u: Utterance): void {
    if (u.worker) {
      u.wake?.();
      return;
    }
    u.worker = this.speak(u)
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: error, session: u.sessionId, turn: u.turnId },
          'speaking a reply failed',
        );
      })
      .finally(() => this.utterances.delete(u.turnId));
  }

  /**
   * Synthesizes sentences that replies often start with (a model's fixed lead-in) into the
   * cache now, so the first reply does not wait for them either. Call before readiness.
   */
  async warm(sentences: readonly string[]): Promise<void> {
    for (const sentence of sentences) {
      if (this.cache.has(sentence)) continue;
      const speech = await this.deps.synthesizer.synthesize(
        sentence,
        this.deps.voiceId ? { voiceId: this.deps.voiceId } : {},
      );
      this.remember(sentence, speech);
    }
  }

  private pacer(sessionId: string): PlaybackPacer {
    let pacer = this.pacers.get(sessionId);
    if (!pacer) {
      pacer = new PlaybackPacer(this.deps.leadMs ?? 200);
      this.pacers.set(sessionId, pacer);
    }
    return pacer;
  }

  private async synthesize(sentence: string): Promise<SynthesizedSpeech> {
    const cached = this.cache.get(sentence);
    if (cached) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(sentence);
      this.cache.set(sentence, cached);
      return cached;
    }
    const speech = await this.deps.synthesizer.synthesize(
      sentence,
      this.deps.voiceId ? { voiceId: this.deps.voiceId } : {},
    );
    if (sentence.length <= SPEECH_CACHE_MAX_CHARS) this.remember(sentence, speech);
    return speech;
  }

  private remember(sentence: string, speech: SynthesizedSpeech): void {
    if (this.cache.size >= SPEECH_CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(sentence, speech);
  }

  private async speak(u: Utterance): Promise<void> {
    const pacer = this.pacer(u.sessionId);
    let sequence = 0;
    let sampleRate = 22050;
    const event: UtteranceEvent = {
      sessionId: u.sessionId,
      turnId: u.turnId,
      firstAudioAtMs: null,
      sentences: 0,
      audioMs: 0,
      synthMs: 0,
      cancelled: false,
    };
    try {
      for (;;) {
        if (u.cancelled) break;
        const sentence = u.sentences.shift();
        if (sentence === undefined) {
          if (u.finished) break;
          await new Promise<void>((resolve) => (u.wake = resolve));
          u.wake = undefined;
          continue;
        }
        const started = performance.now();
        const speech = await this.synthesize(sentence);
        event.synthMs += performance.now() - started;
        sampleRate = speech.sampleRate;
        for (const [i, pcm] of frames(speech.pcm, speech.sampleRate, CHUNK_MS).entries()) {
          const wait = pacer.delayMs();
          if (wait > 0) await sleepUnlessCancelled(wait, u);
          if (u.cancelled) break;
          const durationMs = (pcm.length / speech.sampleRate) * 1000;
          await this.deps.bus.publish(speechAudioTopic, {
            sessionId: u.sessionId,
            utteranceId: u.turnId,
            sequence: sequence++,
            sampleRate: speech.sampleRate,
            pcm: pcmBytes(pcm),
            text: i === 0 ? sentence : '',
            endOfUtterance: false,
            emittedAtMs: Date.now(),
          });
          pacer.sent(durationMs);
          event.firstAudioAtMs ??= Date.now();
          event.audioMs += durationMs;
          if (i === 0) event.sentences += 1;
        }
      }
    } finally {
      event.cancelled = u.cancelled;
      await this.deps.bus.publish(speechAudioTopic, {
        sessionId: u.sessionId,
        utteranceId: u.turnId,
        sequence,
        sampleRate,
        pcm: Buffer.alloc(0),
        text: '',
        endOfUtterance: true,
        emittedAtMs: Date.now(),
      });
      this.onUtterance?.(event);
      this.deps.logger.info(
        {
          session: u.sessionId,
          turn: u.turnId,
          sentences: event.sentences,
          audioMs: Math.round(event.audioMs),
          synthMs: Math.round(event.synthMs),
          cancelled: u.cancelled,
        },
        'utterance spoken',
      );
    }
  }
}

/** Sleeps, but wakes early when the utterance is cancelled. */
function sleepUnlessCancelled(ms: number, u: Utterance): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      u.interrupt = undefined;
      resolve();
    }
    u.interrupt = done;
  });
}
