import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@lm/kit';
import type { AudioChunk } from '@lm/proto/audio/v1/audio';
import type { SpeechAudioChunk } from '@lm/proto/speech/v1/speech';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { TurnSource, type TutorTurn } from '@lm/proto/tutor/v1/tutor';
import {
  audioTopic,
  speechAudioTopic,
  transcriptsTopic,
  tutorRepliesTopic,
  tutorTurnsTopic,
  type Bus,
  type Subscription,
} from '@lm/streams';
import type { ConversationStore, VoiceSessionRecord } from './ConversationStore.js';
import {
  EndOfTurnDetector,
  type EndOfTurnOptions,
  type TurnDecision,
} from './EndOfTurnDetector.js';
import {
  SpeechOnsetDetector,
  type SpeechOnsetOptions,
  type SpeechProbability,
} from './SpeechOnsetDetector.js';
import { SpeculativeReply } from './SpeculativeReply.js';
import type { ReplyTimings, TutorService } from './TutorService.js';

export interface VoiceTutorDeps {
  bus: Bus;
  tutor: TutorService;
  store: ConversationStore;
  logger: Logger;
  endOfTurn?: Partial<EndOfTurnOptions>;
  /**
   * A fresh voice activity detector for one stream (Silero). With it, the student's speech
   * onset in the raw audio barges in, within ~100 ms of speech; without it, only their first
   * transcribed words do, a second or more later.
   */
  createSpeechDetector?: () => SpeechProbability;
  speechOnset?: Partial<SpeechOnsetOptions>;
  /** Consumer group prefix (distinct per deployment that shares a Kafka). */
  group?: string;
  /**
   * Prepare the reply when the student pauses, before the turn is certain (default true): the
   * answer is then ready when the transcriber calls the turn over. Costs a retrieval and a
   * generation for every pause the student speaks on after.
   */
  speculate?: boolean;
}

/** A student's spoken turn, as decided (for tests and the benchmark). */
export interface VoiceTurnEvent {
  sessionId: string;
  turnId: string;
  text: string;
  /** Wall clock: when the transcriber's last final of the turn was emitted / the turn decided. */
  lastFinalAtMs: number;
  decidedAtMs: number;
  /** The reply was prepared during the student's pause (see SpeculativeReply). */
  speculative: boolean;
  /** Wall clock: when the reply's first sentence was ready, if it already was at the decision. */
  firstSentenceReadyAtMs: number | null;
}

export interface VoiceTutorEvents {
  turn?: (event: VoiceTurnEvent) => void;
  bargeIn?: (event: {
    sessionId: string;
    turnId: string;
    atMs: number;
    /** What noticed the student: speech onset in the audio, or words in the transcript. */
    trigger: BargeInTrigger;
  }) => void;
  replyTimings?: (event: { sessionId: string; turnId: string; timings: ReplyTimings }) => void;
  spoken?: (event: { turnId: string; spokenText: string }) => void;
}

export type BargeInTrigger = 'speech' | 'words';

interface SessionState {
  record: VoiceSessionRecord;
  detector: EndOfTurnDetector;
  graceTimer: NodeJS.Timeout | undefined;
  lastFinalAtMs: number;
  /** The reply being generated or spoken (until the speech service reports its end). */
  active: ActiveReply | undefined;
  /** A reply prepared for the student's pause, held until the turn is decided. */
  speculation: SpeculativeReply | undefined;
  /** Watches the student's audio while a reply is out (a fresh one per reply). */
  onset: SpeechOnsetDetector | undefined;
}

interface ActiveReply {
  /** A confirmed reply: its chunks go out as they come. */
  reply: SpeculativeReply;
  /** A cancel was sent after generation had finished (while it was being spoken). */
  stopSent: boolean;
}

/** How long "this session is not a tutoring room" is remembered (lectures send many segments). */
const UNKNOWN_SESSION_TTL_MS = 10_000;
/** Utterances whose spoken sentences are tracked at once (bounded: memory stays flat). */
const MAX_TRACKED_UTTERANCES = 1000;

/**
 * Voice tutoring over the bus. Transcript segments of tutoring rooms become tutor turns when
 * the EndOfTurnDetector says so; the reply chunks go to lm.tutor-replies.v1 for the speech
 * service. The reply is prepared as soon as a final arrives (the student paused) and held until
 * the turn is decided, or dropped if they go on (SpeculativeReply, decision 0022).
 * Barge-in: the student's speech onset in the audio (with a speech detector) or any
 * words of theirs while a reply is being produced or spoken cancel it (the reply ends with a
 * cancelled chunk, which also stops the speech). What the student actually heard is read back
 * from lm.speech-audio.v1: the speech service paces its audio to playback, so the sentences
 * whose audio it sent before the cut are the sentences that were played.
 */
export class VoiceTutor {
  private readonly sessions = new Map<string, SessionState>();
  private readonly notTutoring = new Map<string, number>();
  private readonly spoken = new Map<string, string[]>();
  /**
   * Turns cut by barge-in, with the moment of the cut: audio the speech service emitted after
   * it was not heard (the client drops it), even if this consumer reads it a little later.
   */
  private readonly cut = new Map<string, number>();
  private readonly subscriptions: Subscription[] = [];
  private readonly group: string;
  events: VoiceTutorEvents = {};
  /** Replies prepared during pauses: how many were taken and how many dropped. */
  readonly speculation = { started: 0, confirmed: 0, abandoned: 0 };

  constructor(private readonly deps: VoiceTutorDeps) {
    this.group = deps.group ?? 'lm-tutor';
  }

  async start(): Promise<void> {
    await this.deps.bus.ensureTopics([
      transcriptsTopic,
      tutorTurnsTopic,
      tutorRepliesTopic,
      speechAudioTopic,
    ]);
    this.subscriptions.push(
      await this.deps.bus.subscribe(transcriptsTopic, { group: `${this.group}.voice` }, (segment) =>
        this.onSegment(segment),
      ),
      await this.deps.bus.subscribe(speechAudioTopic, { group: `${this.group}.spoken` }, (chunk) =>
        this.onSpeechAudio(chunk),
      ),
    );
    if (this.deps.createSpeechDetector) {
      this.subscriptions.push(
        await this.deps.bus.subscribe(audioTopic, { group: `${this.group}.onset` }, (chunk) =>
          this.onAudio(chunk),
        ),
      );
    }
  }

  /**
   * Makes a live session a tutoring room of a conversation (a new one when none is given).
   * The gateway calls this when a student joins a tutor room, before audio flows.
   */
  async openSession(input: {
    sessionId: string;
    userId: string;
    courseId: string;
    conversationId?: string;
    voiceId?: string;
  }): Promise<VoiceSessionRecord> {
    if (!input.sessionId.trim()) throw new AppError('invalid_argument', 'sessionId is required');
    const conversation = input.conversationId
      ? await this.deps.store.get(input.conversationId, input.userId)
      : await this.deps.tutor.createConversation({
          userId: input.userId,
          courseId: input.courseId,
        });
    const record = {
      sessionId: input.sessionId,
      conversationId: conversation.id,
      userId: input.userId,
      courseId: conversation.courseId,
      voiceId: input.voiceId ?? '',
    };
    await this.deps.store.openSession(record);
    this.notTutoring.delete(input.sessionId);
    this.sessions.delete(input.sessionId);
    return { ...record, endedAt: null };
  }

  async endSession(sessionId: string): Promise<void> {
    const state = this.sessions.get(sessionId);
    if (state) {
      clearTimeout(state.graceTimer);
      this.abandonSpeculation(state, 'session ended');
      state.active?.reply.controller.abort('session ended');
      await state.active?.reply.done;
      this.sessions.delete(sessionId);
    }
    await this.deps.store.endSession(sessionId);
  }

  /** Stops consuming; replies in flight are cancelled. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
    for (const state of this.sessions.values()) {
      clearTimeout(state.graceTimer);
      this.abandonSpeculation(state, 'tutor stopping');
      state.active?.reply.controller.abort('tutor stopping');
    }
    await Promise.all(
      [...this.sessions.values()].map((s) => s.active?.reply.done ?? Promise.resolve()),
    );
    this.sessions.clear();
  }

  private async onSegment(segment: TranscriptSegment): Promise<void> {
    const state = await this.state(segment.sessionId);
    if (!state) return;
    const words = segment.text.trim() !== '';
    if (words && state.active) this.bargeIn(state, 'words');
    let decision: TurnDecision;
    if (segment.kind === SegmentKind.SEGMENT_KIND_FINAL) {
      state.lastFinalAtMs = segment.emittedAtMs || Date.now();
      decision = state.detector.onFinal(segment.text, segment.endOfTurn);
    } else {
      decision = state.detector.onPartial(segment.text);
      // New speech after a pause: the reply prepared for the pause answers too little.
      if (words) this.abandonSpeculation(state, 'the student went on');
    }
    this.apply(state, decision);
    // Only at a final: after new speech, the words so far are no longer the whole question.
    if (segment.kind === SegmentKind.SEGMENT_KIND_FINAL && decision.kind !== 'end')
      this.speculate(state);
  }

  /**
   * The student paused after words that may be the whole question (a final that ends like a
   * sentence arrived, but not yet the end of the turn): the reply to them is prepared now and
   * held. Finals the transcriber commits mid-utterance ("where is the genetic") are not worth a
   * reply; nor are unfinished words at a pause, whose turn waits a grace period anyway. A reply
   * for the same words is not started twice.
   */
  private speculate(state: SessionState): void {
    if (this.deps.speculate === false || !state.detector.soundsFinished) return;
    const text = state.detector.pending;
    if (state.speculation?.text === text) return;
    this.abandonSpeculation(state, 'the question grew');
    state.speculation = this.prepare(state, text);
    this.speculation.started += 1;
  }

  private abandonSpeculation(state: SessionState, reason: string): void {
    const speculation = state.speculation;
    if (!speculation) return;
    state.speculation = undefined;
    speculation.abandon(reason);
    this.speculation.abandoned += 1;
  }

  /** Starts generating the reply to `text`; it is held until confirmed. */
  private prepare(state: SessionState, text: string): SpeculativeReply {
    const { record } = state;
    const turn: TutorTurn = {
      conversationId: record.conversationId,
      turnId: randomUUID(),
      courseId: record.courseId,
      userId: record.userId,
      text,
      source: TurnSource.TURN_SOURCE_VOICE,
      sessionId: record.sessionId,
      endedAtMs: state.lastFinalAtMs,
    };
    return new SpeculativeReply(
      turn,
      (t, options) =>
        this.deps.tutor.reply(t, {
          ...options,
          onTimings: (timings) =>
            this.events.replyTimings?.({ sessionId: record.sessionId, turnId: t.turnId, timings }),
        }),
      // A barged-in reply finishes (stores what it had) before the next one reads the history.
      state.active?.reply.done,
      (error) =>
        this.deps.logger.error(
          { err: error, session: record.sessionId, turn: turn.turnId },
          'voice turn failed',
        ),
    );
  }

  private apply(state: SessionState, decision: TurnDecision): void {
    clearTimeout(state.graceTimer);
    state.graceTimer = undefined;
    switch (decision.kind) {
      case 'listening':
        return;
      case 'wait':
        state.graceTimer = setTimeout(
          () => this.apply(state, state.detector.onGraceElapsed()),
          decision.ms,
        );
        return;
      case 'end':
        this.startTurn(state, decision.text);
        return;
    }
  }

  /**
   * The student's audio while a reply is out: a speech onset barges in. Only sessions with a
   * reply out are looked at (a map lookup for every other chunk, lectures included). The
   * chunk's purpose is not relied on: the WebSocket ingest labels every stream a lecture.
   */
  private async onAudio(chunk: AudioChunk): Promise<void> {
    if (chunk.pcm.length === 0) return;
    const state = this.sessions.get(chunk.sessionId);
    const active = state?.active;
    if (!state?.onset || !active || active.reply.controller.signal.aborted || active.stopSent)
      return;
    if (await state.onset.push(chunk.pcm)) this.bargeIn(state, 'speech');
  }

  private bargeIn(state: SessionState, trigger: BargeInTrigger): void {
    const active = state.active;
    if (!active || active.reply.controller.signal.aborted || active.stopSent) return;
    const { turnId } = active.reply.turn;
    if (this.cut.size >= MAX_TRACKED_UTTERANCES) {
      const oldest = this.cut.keys().next().value;
      if (oldest !== undefined) this.cut.delete(oldest);
    }
    this.cut.set(turnId, Date.now());
    if (active.reply.generating) {
      // The reply generator ends with a cancelled chunk, which also stops the speech.
      active.reply.controller.abort('barge-in');
    } else {
      // Fully generated but still being spoken: only the speech has to stop.
      active.stopSent = true;
      void this.stopSpeaking(state.record.sessionId, active);
    }
    this.deps.logger.info(
      { session: state.record.sessionId, turn: turnId, trigger },
      'barge-in: reply cancelled',
    );
    this.events.bargeIn?.({
      sessionId: state.record.sessionId,
      turnId,
      atMs: Date.now(),
      trigger,
    });
  }

  private async stopSpeaking(sessionId: string, active: ActiveReply): Promise<void> {
    const { turn } = active.reply;
    try {
      await this.deps.bus.publish(tutorRepliesTopic, {
        conversationId: turn.conversationId,
        turnId: turn.turnId,
        sequence: active.reply.lastSequence + 1,
        body: { $case: 'cancelled', value: { reason: 'barge-in' } },
        sessionId,
        emittedAtMs: Date.now(),
      });
      await this.deps.store.markCancelled(turn.turnId);
    } catch (error) {
      this.deps.logger.error(
        { err: error, session: sessionId, turn: turn.turnId },
        'stopping speech failed',
      );
    }
  }

  /**
   * The turn is over with `text`: the reply prepared for exactly these words is sent (it is
   * usually complete by now), otherwise a fresh one is started.
   */
  private startTurn(state: SessionState, text: string): void {
    const { record } = state;
    let reply = state.speculation;
    state.speculation = undefined;
    const speculative = reply?.state === 'held' && reply.text === text;
    if (speculative) {
      this.speculation.confirmed += 1;
    } else {
      if (reply) {
        reply.abandon('the turn ended with other words');
        this.speculation.abandoned += 1;
      }
      reply = this.prepare(state, text);
    }
    if (!reply) return;
    const { turn } = reply;
    turn.endedAtMs = state.lastFinalAtMs;
    this.events.turn?.({
      sessionId: record.sessionId,
      turnId: turn.turnId,
      text,
      lastFinalAtMs: state.lastFinalAtMs,
      decidedAtMs: Date.now(),
      speculative,
      firstSentenceReadyAtMs: reply.firstSentenceAtMs,
    });
    const active: ActiveReply = { reply, stopSent: false };
    const turnPublished = this.deps.bus.publish(tutorTurnsTopic, turn);
    turnPublished.catch(() => undefined); // reported by the first send, which awaits it
    reply
      .confirm(async (chunk) => {
        await turnPublished;
        await this.deps.bus.publish(tutorRepliesTopic, chunk);
      })
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: error, session: record.sessionId, turn: turn.turnId },
          'voice turn failed',
        );
      });
    void reply.done.finally(() => {
      // A cancelled reply is over; a finished one stays active while it is spoken.
      if (reply.controller.signal.aborted && state.active === active) state.active = undefined;
    });
    state.active = active;
    const detector = this.deps.createSpeechDetector?.();
    state.onset = detector ? new SpeechOnsetDetector(detector, this.deps.speechOnset) : undefined;
  }

  private async onSpeechAudio(chunk: SpeechAudioChunk): Promise<void> {
    let sentences = this.spoken.get(chunk.utteranceId);
    if (!sentences) {
      if (this.spoken.size >= MAX_TRACKED_UTTERANCES) {
        const oldest = this.spoken.keys().next().value;
        if (oldest !== undefined) this.spoken.delete(oldest);
      }
      sentences = [];
      this.spoken.set(chunk.utteranceId, sentences);
    }
    // Sentences whose audio went out before the barge-in are what the student heard.
    const cutAt = this.cut.get(chunk.utteranceId);
    if (chunk.text && chunk.pcm.length > 0 && (cutAt === undefined || chunk.emittedAtMs < cutAt))
      sentences.push(chunk.text);
    if (!chunk.endOfUtterance) return;
    this.spoken.delete(chunk.utteranceId);
    this.cut.delete(chunk.utteranceId);
    const state = this.sessions.get(chunk.sessionId);
    if (state?.active?.reply.turn.turnId === chunk.utteranceId && !state.active.reply.generating)
      state.active = undefined;
    const spokenText = sentences.join(' ');
    await this.deps.store.setSpoken(chunk.utteranceId, spokenText);
    this.events.spoken?.({ turnId: chunk.utteranceId, spokenText });
  }

  private async state(sessionId: string): Promise<SessionState | undefined> {
    const known = this.sessions.get(sessionId);
    if (known) return known;
    const unknownAt = this.notTutoring.get(sessionId);
    if (unknownAt !== undefined && Date.now() - unknownAt < UNKNOWN_SESSION_TTL_MS)
      return undefined;
    const record = await this.deps.store.session(sessionId);
    if (!record || record.endedAt) {
      if (this.notTutoring.size > 10_000) this.notTutoring.clear();
      this.notTutoring.set(sessionId, Date.now());
      return undefined;
    }
    // Two segments may have raced through the lookup: keep the first state.
    const existing = this.sessions.get(sessionId);
    if (existing) return existing;
    const state: SessionState = {
      record,
      detector: new EndOfTurnDetector(this.deps.endOfTurn),
      graceTimer: undefined,
      lastFinalAtMs: 0,
      active: undefined,
      speculation: undefined,
      onset: undefined,
    };
    this.sessions.set(sessionId, state);
    return state;
  }
}
