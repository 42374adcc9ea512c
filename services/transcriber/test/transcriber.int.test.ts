import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioChunker } from '@lm/audio';
import {
  LECTURE_PASSAGES,
  noise,
  synthesizeSpeech,
  wordErrorRate,
  padWithSilence,
} from '@lm/audio/testing';
import { createLogger } from '@lm/kit';
import { SileroStream, SileroVad, WhisperRecognizer } from '@lm/models';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { MemoryBus, audioTopic, silentLogger, transcriptsTopic } from '@lm/streams';
import { MemoryCheckpointStore, TranscriberService, WhisperWordRecognizer } from '../src/index.js';

const logger = createLogger({
  service: 'transcriber-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});
let whisper: WhisperRecognizer;
let vad: SileroVad;

beforeAll(async () => {
  whisper = await WhisperRecognizer.load(process.env.LM_WHISPER_MODEL ?? 'whisper-base');
  vad = await SileroVad.load();
});
afterAll(async () => {
  await whisper?.close();
  await vad?.close();
});

/** Runs PCM through the real transcriber over an in-memory bus; returns every segment published. */
async function transcribe(
  sessionId: string,
  samples: Int16Array,
  paceMs = 0,
): Promise<TranscriptSegment[]> {
  const bus = new MemoryBus({ logger: silentLogger });
  const service = new TranscriberService({
    bus,
    recognizer: new WhisperWordRecognizer(whisper),
    createDetector: () => new SileroStream(vad),
    checkpoints: new MemoryCheckpointStore(),
    logger,
  });
  await service.start();
  const segments: TranscriptSegment[] = [];
  await bus.tail(transcriptsTopic, (segment) => {
    segments.push(segment);
  });
  const chunker = new AudioChunker({ sessionId, streamId: 'mic' });
  const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  for (let offset = 0; offset < bytes.length; offset += 3200) {
    await bus.publish(audioTopic, chunker.push(bytes.subarray(offset, offset + 3200)));
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
  }
  await bus.publish(audioTopic, chunker.end('client'));
  // Wait until the stream's end was handled and every decode ran.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && service.stats.finishedStreams < 1) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(service.stats.finishedStreams, 'the stream was not finished within 60 s').toBe(1);
  await service.close();
  await bus.close();
  return segments;
}

const finalText = (segments: TranscriptSegment[]) =>
  segments
    .filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL)
    .sort((a, b) => a.segmentIndex - b.segmentIndex)
    .map((s) => s.text)
    .filter(Boolean)
    .join(' ');

describe('TranscriberService with real whisper.cpp and Silero VAD', () => {
  it('streams partials and finals whose text matches the spoken passage', async () => {
    const passage = LECTURE_PASSAGES[1];
    const speech = synthesizeSpeech(passage, { voice: 'en-us', speed: 160 });
    // Paced at ~4x real time so that partial decodes happen while the audio arrives.
    const segments = await transcribe('s-speech', padWithSilence(speech, 500, 1200), 25);
    const finals = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL && s.text);
    const partials = segments.filter((s) => s.kind === SegmentKind.SEGMENT_KIND_PARTIAL);
    const wer = wordErrorRate(passage, finalText(segments));
    console.log(
      `finals=${finals.length} partials=${partials.length} WER=${(wer * 100).toFixed(1)}% text="${finalText(segments)}"`,
    );
    expect(partials.length).toBeGreaterThan(0);
    expect(wer).toBeLessThan(0.25);
    // Finals are numbered consecutively from 0 and every word has times inside the audio.
    const indexes = segments
      .filter((s) => s.kind === SegmentKind.SEGMENT_KIND_FINAL)
      .map((s) => s.segmentIndex);
    expect(indexes).toEqual(indexes.map((_, i) => i));
    for (const f of finals)
      for (const w of f.words) expect(w.endMs).toBeLessThanOrEqual(speech.durationMs + 2000);
  });

  it('produces no text for silence or noise', async () => {
    const quiet = new Int16Array(16_000 * 10);
    const hiss = noise(10_000, 800);
    const segments = [
      ...(await transcribe('s-silence', quiet)),
      ...(await transcribe('s-noise', hiss)),
    ];
    expect(segments.filter((s) => s.text.trim() !== '')).toEqual([]);
  });
});
