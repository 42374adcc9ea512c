// npm run bench:tutor — retrieval recall@5, embedded LLM latency, TTS real-time factor, and the
// tutor's share of voice-to-voice latency (final transcript → first audio chunk sent), all on
// the embedded defaults with the real models. Prints a table.
import { loadavg } from 'node:os';
import { createLogger } from '@lm/kit';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { TurnSource } from '@lm/proto/tutor/v1/tutor';
import { PiperSynthesizer, ReplySpeaker } from '@lm/speech';
import { MemoryBus, speechAudioTopic, transcriptsTopic } from '@lm/streams';
import {
  EXTRACTIVE_LEAD_IN,
  EXTRACTIVE_NOT_FOUND,
  VoiceTutor,
  spokenSentences,
  type ReplyTimings,
} from '@lm/tutor';
import { STUDY_TEXTS } from './studyTexts.js';
import { VoiceLoop } from './VoiceLoop.js';
import { openTestTutor } from '../test/support/openTestTutor.js';

const logger = createLogger({ service: 'bench-tutor', level: 'warn' });
// The machine is shared: every figure goes with the load it was measured under.
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
const loadAtStart = load();
console.log(`load average (1/5/15 min) at start: ${loadAtStart}`);
const rows: [string, string, string][] = [];
const row = (what: string, value: string, target = '') => rows.push([what, value, target]);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const ms = (v: number) => `${Math.round(v)} ms`;
/** Spoken exchanges that got no answer in time (a loaded machine): counted, not fatal. */
let timedOut = 0;
async function askOrCount<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch (error) {
    timedOut += 1;
    console.error(`spoken exchange failed: ${(error as Error).message}`);
    return undefined;
  }
}
const p50p95 = (values: number[]) =>
  values.length === 0
    ? 'n/a'
    : `p50 ${ms(percentile(values, 50))} / p95 ${ms(percentile(values, 95))}`;

const fixture = await openTestTutor({ logger });
const { library, tutor, store } = fixture;

// 1. Indexing and retrieval recall@5.
let started = performance.now();
for (const text of STUDY_TEXTS) {
  await library.upload({
    courseId: text.courseId,
    ownerId: 'bench',
    filename: text.filename,
    data: Buffer.from(text.markdown),
  });
}
row('index 3 study texts (parse, chunk, embed, store)', ms(performance.now() - started));
// Every question searches all three courses (15+ chunks), so recall@5 is not trivially 1.
const allCourses = STUDY_TEXTS.map((t) => t.courseId);
let found = 0;
let foundFirst = 0;
let total = 0;
const searchMs: number[] = [];
const misses: string[] = [];
for (const text of STUDY_TEXTS) {
  for (const qa of text.questions) {
    const { hits, timings } = await library.searcher.searchTimed(qa.question, {
      courseIds: allCourses,
      limit: 5,
    });
    searchMs.push(timings.totalMs);
    total += 1;
    if (hits[0]?.text.includes(qa.answer)) foundFirst += 1;
    if (hits.some((h) => h.text.includes(qa.answer))) found += 1;
    else misses.push(qa.question);
  }
}
const chunks = (await library.list(allCourses)).reduce((n, m) => n + m.chunkCount, 0);
row(
  `retrieval recall@5 (${total} questions, ${chunks} chunks)`,
  (found / total).toFixed(2),
  '≥ 0.90',
);
row('retrieval recall@1', (foundFirst / total).toFixed(2));
row('hybrid search latency', p50p95(searchMs));

// 2. Embedded LLM (extractive) through the tutor: retrieval, first token, first sentence.
const timings: ReplyTimings[] = [];
let answered = 0;
for (const text of STUDY_TEXTS) {
  const conversation = await tutor.createConversation({ userId: 'bench', courseId: text.courseId });
  for (const qa of text.questions) {
    let done = '';
    for await (const chunk of tutor.reply(
      {
        conversationId: conversation.id,
        turnId: crypto.randomUUID(),
        courseId: text.courseId,
        userId: 'bench',
        text: qa.question,
        source: TurnSource.TURN_SOURCE_TEXT,
        sessionId: '',
        endedAtMs: Date.now(),
      },
      { onTimings: (t) => timings.push(t) },
    )) {
      if (chunk.body?.$case === 'done') done = chunk.body.value.text;
    }
    if (done.includes(qa.answer)) answered += 1;
  }
}
row('tutor retrieval (in reply)', p50p95(timings.map((t) => t.retrievalMs)));
row('first token (extractive LLM)', p50p95(timings.map((t) => t.firstTokenMs ?? NaN)));
row('first sentence', p50p95(timings.map((t) => t.firstSentenceMs ?? NaN)));
row('answers quoting the expected passage', `${answered}/${total}`);

// 3. TTS real-time factor (synthesis time / audio duration), per sentence.
const synthesizer = new PiperSynthesizer();
await synthesizer.warm();
const sentences = STUDY_TEXTS.flatMap((t) => t.questions.slice(0, 4).map((q) => q.question));
let synthMs = 0;
let audioMs = 0;
const firstSentenceSynth: number[] = [];
for (const sentence of sentences) {
  started = performance.now();
  const speech = await synthesizer.synthesize(sentence, {});
  const took = performance.now() - started;
  synthMs += took;
  firstSentenceSynth.push(took);
  audioMs += (speech.pcm.length / speech.sampleRate) * 1000;
}
row(
  `TTS real-time factor (${sentences.length} sentences)`,
  (synthMs / audioMs).toFixed(3),
  '≤ 0.3',
);
row('TTS time per sentence', p50p95(firstSentenceSynth));

// 4. Tutor + speech share of voice-to-voice: final with end_of_turn published → first audio
//    chunk on lm.speech-audio.v1 (MemoryBus). Add the transcriber's end-of-speech → final time
//    for the whole figure. Each answer is cut by a barge-in as soon as it is heard.
const bus = new MemoryBus();
const voice = new VoiceTutor({ bus, tutor, store, logger });
const speaker = new ReplySpeaker({ bus, synthesizer, logger });
await speaker.warm([EXTRACTIVE_LEAD_IN, EXTRACTIVE_NOT_FOUND].flatMap(spokenSentences));
await voice.start();
await speaker.start();
const firstAudio = new Map<string, number>();
const lastAudio = new Map<string, number>();
await bus.tail(speechAudioTopic, (chunk) => {
  if (chunk.pcm.length === 0) return;
  if (!firstAudio.has(chunk.sessionId)) firstAudio.set(chunk.sessionId, performance.now());
  lastAudio.set(chunk.sessionId, performance.now());
});
const turnToAudio: number[] = [];
const bargeInStop: number[] = [];
for (const [i, qa] of STUDY_TEXTS.flatMap((t) =>
  t.questions.map((q) => ({ ...q, courseId: t.courseId })),
).entries()) {
  if (i >= 15) break;
  const sessionId = `bench-room-${i}`;
  await voice.openSession({ sessionId, userId: 'bench', courseId: qa.courseId });
  const segment = (kind: SegmentKind, text: string, endOfTurn: boolean): TranscriptSegment =>
    TranscriptSegment.fromPartial({
      sessionId,
      streamId: 'mic',
      segmentIndex: 0,
      revision: kind === SegmentKind.SEGMENT_KIND_FINAL ? 1 : 0,
      kind,
      text,
      words: [],
      startMs: 0,
      endMs: 0,
      language: 'en',
      emittedAtMs: Date.now(),
      audioCapturedAtMs: Date.now(),
      endOfTurn,
    });
  const t0 = performance.now();
  await bus.publish(transcriptsTopic, segment(SegmentKind.SEGMENT_KIND_FINAL, qa.question, true));
  while (!firstAudio.has(sessionId)) await new Promise((r) => setTimeout(r, 2));
  turnToAudio.push((firstAudio.get(sessionId) ?? NaN) - t0);
  await new Promise((r) => setTimeout(r, 400));
  const bargeAt = performance.now();
  await bus.publish(transcriptsTopic, {
    ...segment(SegmentKind.SEGMENT_KIND_PARTIAL, 'wait', false),
    segmentIndex: 1,
  });
  await new Promise((r) => setTimeout(r, 600));
  bargeInStop.push(Math.max(0, (lastAudio.get(sessionId) ?? bargeAt) - bargeAt));
  await voice.endSession(sessionId);
}
row('final (end of turn) → first audio chunk sent', p50p95(turnToAudio), 'part of ≤ 1.0 s / 1.8 s');
row(
  'barge-in → last audio chunk sent (+ ≤ 200 ms queued at the listener)',
  p50p95(bargeInStop),
  'playback stop ≤ 300 ms',
);
await speaker.stop();
await voice.stop();
await bus.close();
await synthesizer.close();
await fixture.close();

// 5. Voice-to-voice through the whole loop: espeak-ng question at real-time pace -> transcriber
//    (Silero VAD + whisper) -> tutor -> Piper, on a MemoryBus (no gateway or media transport).
const turns = Number(process.env.BENCH_VOICE_TURNS ?? 5);
if (turns > 0) {
  const loop = await VoiceLoop.open(logger, process.env.LM_WHISPER_MODEL ?? 'whisper-base');
  for (const text of STUDY_TEXTS) {
    await loop.library.upload({
      courseId: text.courseId,
      ownerId: 'bench',
      filename: text.filename,
      data: Buffer.from(text.markdown),
    });
  }
  const questions = STUDY_TEXTS.flatMap((t) =>
    t.questions.map((q) => ({ ...q, courseId: t.courseId })),
  );
  const v2v: number[] = [];
  const v2vFromRecordingEnd: number[] = [];
  const toLastWords: number[] = [];
  const toEndOfTurnFinal: number[] = [];
  const toTurn: number[] = [];
  const toFirstSentence: number[] = [];
  const turnToAudio2: number[] = [];
  let speculative = 0;
  let understood = 0;
  for (let i = 0; i < turns; i += 1) {
    const qa = questions[(i * 7) % questions.length]!;
    const exchange = await askOrCount(() => loop.ask(qa.courseId, qa.question));
    if (!exchange) continue;
    // From the end of the student's speech (the last loud sample's capture time).
    const from = exchange.lastSpeechAt;
    v2v.push(exchange.firstAudioAt - from);
    v2vFromRecordingEnd.push(exchange.firstAudioAt - exchange.endOfSpeechAt);
    if (exchange.lastWordsFinalAt) toLastWords.push(exchange.lastWordsFinalAt - from);
    if (exchange.endOfTurnFinalAt) toEndOfTurnFinal.push(exchange.endOfTurnFinalAt - from);
    if (exchange.firstSentenceReadyAt) toFirstSentence.push(exchange.firstSentenceReadyAt - from);
    if (exchange.turnDecidedAt) {
      toTurn.push(exchange.turnDecidedAt - from);
      turnToAudio2.push(exchange.firstAudioAt - exchange.turnDecidedAt);
    }
    if (exchange.speculative) speculative += 1;
    const done = exchange.reply.at(-1)?.body;
    if (done?.$case === 'done' && done.value.text.includes(qa.answer)) understood += 1;
  }
  row(
    `voice-to-voice, end of speech -> first audio (${turns} spoken questions)`,
    p50p95(v2v),
    'p50 <= 1.0 s, p95 <= 1.8 s',
  );
  row(
    '  same, from the end of the recording (+~350 ms espeak silence)',
    p50p95(v2vFromRecordingEnd),
  );
  row('  end of speech -> last final with words (VAD pause + whisper)', p50p95(toLastWords));
  row('  end of speech -> end-of-turn final (VAD silence + whisper)', p50p95(toEndOfTurnFinal));
  row('  end of speech -> first sentence of the reply ready', p50p95(toFirstSentence));
  row('  end of speech -> turn decided', p50p95(toTurn));
  row('  turn decided -> first audio chunk sent', p50p95(turnToAudio2));
  row(
    '  replies prepared during the pause (speculation confirmed)',
    `${speculative}/${turns} (started ${loop.voice.speculation.started}, abandoned ${loop.voice.speculation.abandoned})`,
  );
  row('  spoken questions answered from the expected passage', `${understood}/${turns}`);

  // 6. Barge-in: the student speaks over the answer; from the onset of their speech (as
  //    captured by the microphone, sent in 100 ms frames) to the cancel going out to them
  //    (published on lm.tutor-replies.v1, which the gateway forwards to the tutor socket).
  const bargeRuns = Number(process.env.BENCH_BARGE_IN_RUNS ?? 5);
  const onsetToCancel: number[] = [];
  const triggers = new Map<string, number>();
  for (let i = 0; i < bargeRuns; i += 1) {
    const qa = questions[(i * 5 + 1) % questions.length]!;
    const exchange = await askOrCount(() =>
      loop.ask(qa.courseId, qa.question, {
        interrupt: { text: 'Wait, stop, I have another question.', afterAudioMs: 600 },
      }),
    );
    if (!exchange) continue;
    const barge = exchange.bargeIn;
    if (barge?.cancelAt) onsetToCancel.push(barge.cancelAt - barge.onsetAt);
    const trigger = barge?.trigger ?? 'none';
    triggers.set(trigger, (triggers.get(trigger) ?? 0) + 1);
  }
  row(
    `barge-in, speech onset -> cancel sent to the student (${onsetToCancel.length}/${bargeRuns} runs)`,
    p50p95(onsetToCancel),
    'playback stop <= 300 ms',
  );
  row(
    '  noticed by',
    [...triggers].map(([t, n]) => `${t === 'speech' ? 'speech onset (VAD)' : t} ${n}`).join(', '),
  );
  if (timedOut > 0)
    row('  spoken exchanges without an answer in time (left out)', String(timedOut));
  await loop.close();
}

const width = [
  Math.max(...rows.map((r) => r[0].length)),
  Math.max(...rows.map((r) => r[1].length)),
  Math.max(...rows.map((r) => r[2].length)),
];
const line = (r: [string, string, string]) =>
  `| ${r.map((c, i) => c.padEnd(width[i] ?? 0)).join(' | ')} |`;
console.log(line(['measure', 'value', 'target']));
console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
if (misses.length > 0) console.log(`\nmissed at recall@5: ${misses.join(' / ')}`);
console.log(`\nload average (1/5/15 min): start ${loadAtStart}, end ${load()}`);
