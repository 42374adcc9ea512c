import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioChunker } from '@lm/audio';
import {
  LECTURE_PASSAGES,
  padWithSilence,
  synthesizeSpeech,
  wordErrorRate,
} from '@lm/audio/testing';
import { SegmentKind, type TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { sleep, type ServiceProcess } from '@lm/kit/testing';
import { KafkaBus, audioTopic, jsonLogger, transcriptsTopic } from '@lm/streams';
import { startTranscriber } from './support/transcriberProcess.js';

// A transcriber killed with SIGKILL in the middle of an utterance and started again loses and
// repeats no finals: real Kafka, real PostgreSQL (checkpoints), the service's own entry point,
// real whisper and Silero weights. Kafka and PostgreSQL come from the test command
// (scripts/test.sh) or by hand: bash scripts/infra/kafka.sh start && bash scripts/infra/postgres.sh
// start, with KAFKA_BROKERS and DATABASE_URL exported as scripts/test.sh does. Missing servers
// fail the test, never skip it.
const brokers = process.env.KAFKA_BROKERS ?? '';
const databaseUrl = process.env.DATABASE_URL ?? '';
if (brokers === '' || databaseUrl === '') {
  throw new Error(
    'KAFKA_BROKERS and DATABASE_URL must be set: start Kafka and PostgreSQL with scripts/infra/kafka.sh and scripts/infra/postgres.sh (see scripts/test.sh for the values)',
  );
}

const SAMPLE_RATE = 16_000;
const CHUNK_MS = 100;
const prefix = `crash-${Date.now().toString(36)}-${process.pid}.`;
const sessionId = `lecture-${randomUUID().slice(0, 8)}`;
const childEnv = {
  KAFKA_BROKERS: brokers,
  DATABASE_URL: databaseUrl,
  LM_TOPIC_PREFIX: prefix,
  LOG_LEVEL: process.env.LM_TRANSCRIBER_LOG_LEVEL ?? 'info',
  // The broker's minimum: the killed member's partitions move to its successor sooner.
  KAFKA_SESSION_TIMEOUT_MS: '6000',
};

const started: ServiceProcess[] = [];
const bus = new KafkaBus({
  brokers: brokers.split(','),
  topicPrefix: prefix,
  clientId: 'crash-resume-test',
  logger: jsonLogger('warn', { component: 'crash-resume-test' }),
});
afterAll(async () => {
  await Promise.all(started.map((t) => t.kill()));
  await bus.close();
});

const isFinal = (s: TranscriptSegment) => s.kind === SegmentKind.SEGMENT_KIND_FINAL;

describe('transcriber crash and restart (real Kafka, PostgreSQL, whisper)', () => {
  it(
    'resumes a session killed mid-utterance without losing or repeating finals',
    { timeout: 90_000 },
    async () => {
      // Two passages with a pause between them: finals at the pause and inside each passage.
      const passages = [LECTURE_PASSAGES[1], LECTURE_PASSAGES[3]];
      const reference = passages.join(' ');
      const spoken = passages.map((text) => synthesizeSpeech(text, { voice: 'en-us', speed: 165 }));
      const parts = [padWithSilence(spoken[0]!, 500, 1_000), padWithSilence(spoken[1]!, 0, 1_500)];
      const samples = new Int16Array(parts[0]!.length + parts[1]!.length);
      samples.set(parts[0]!);
      samples.set(parts[1]!, parts[0]!.length);
      const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      const audioMs = (samples.length * 1000) / SAMPLE_RATE;
      const speechEndMs = audioMs - 1_500;

      await bus.ensureTopics([audioTopic, transcriptsTopic]);
      const received: { id: string; segment: TranscriptSegment }[] = [];
      await bus.tail(transcriptsTopic, (segment, delivery) => {
        if (segment.sessionId === sessionId) received.push({ id: delivery.id, segment });
      });

      const first = await startTranscriber('transcriber-1', childEnv);
      started.push(first);

      // The lecture goes on at real-time pace, whatever happens to the transcribers.
      const chunker = new AudioChunker({ sessionId, streamId: 'mic' });
      const bytesPerChunk = (SAMPLE_RATE * 2 * CHUNK_MS) / 1000;
      const t0 = Date.now();
      let publishedMs = 0;
      const publishing = (async () => {
        for (let offset = 0; offset < pcm.length; offset += bytesPerChunk) {
          publishedMs = (offset / 2 / SAMPLE_RATE) * 1000;
          await sleep(t0 + publishedMs - Date.now());
          await bus.publish(audioTopic, chunker.push(pcm.subarray(offset, offset + bytesPerChunk)));
        }
        await bus.publish(audioTopic, chunker.end('client'));
      })();
      publishing.catch(() => undefined); // awaited below

      // The first transcriber dies in the middle of an utterance: after at least one final with
      // words, while it holds at least 1.5 s of speech after that final that it has not finalised
      // (partly partial, its audio partly committed). On a busy machine that may be after the talk.
      const underWay = () => {
        const lastFinal = received.findLast((r) => isFinal(r.segment) && r.segment.text !== '');
        if (!lastFinal || received.some((r) => r.segment.streamEnded)) return false;
        return Math.min(publishedMs, speechEndMs) - lastFinal.segment.endMs >= 1_500;
      };
      const killBy = Date.now() + audioMs + 20_000;
      while (!underWay() && Date.now() < killBy) await sleep(20);
      expect(
        underWay(),
        `no unfinished utterance after a final (the machine may be too busy to transcribe; segments: ${received
          .map((r) => `${isFinal(r.segment) ? 'F' : 'P'}${r.segment.segmentIndex}`)
          .join(' ')}):\n${first.tail()}`,
      ).toBe(true);
      const killedAtMs = publishedMs;
      const beforeKill = received.length;
      await first.kill();
      // Its successor starts while the lecture goes on (as a restarted pod would).
      const successor = await startTranscriber('transcriber-2', childEnv);
      started.push(successor);
      await publishing;

      // The successor re-reads the held-back audio, catches up and ends the stream.
      const deadline = Date.now() + 60_000;
      while (!received.some((r) => r.segment.streamEnded) && Date.now() < deadline) {
        await sleep(200);
      }
      await successor.stop();
      expect(
        received.some((r) => r.segment.streamEnded),
        `the stream was not finished after the restart:\n${successor.tail()}`,
      ).toBe(true);

      // Consumers deduplicate by message id: a final published again with the same id is one.
      const finalsById = new Map<string, TranscriptSegment>();
      for (const { id, segment } of received) if (isFinal(segment)) finalsById.set(id, segment);
      const finals = [...finalsById.values()].sort((a, b) => a.segmentIndex - b.segmentIndex);
      const text = finals
        .map((f) => f.text)
        .filter(Boolean)
        .join(' ');
      const wer = wordErrorRate(reference, text);
      console.log(
        `killed at ${killedAtMs} ms of ${audioMs} ms; finals=${finals.length} (before kill: ${
          received.slice(0, beforeKill).filter((r) => isFinal(r.segment)).length
        }) WER=${(wer * 100).toFixed(1)}%\n${finals
          .map((f) => `  #${f.segmentIndex} ${f.startMs}-${f.endMs} ms: ${f.text}`)
          .join('\n')}`,
      );

      // Segment indices: each used by exactly one final, contiguous from 0, the end marker last.
      expect(finals.map((f) => f.segmentIndex)).toEqual(finals.map((_, i) => i));
      expect(finals.filter((f) => f.streamEnded)).toHaveLength(1);
      expect(finals.at(-1)?.streamEnded).toBe(true);

      // No spoken word in two finals: no two words of different finals share most of their time.
      const words = finals.flatMap((f) => f.words.map((w) => ({ ...w, index: f.segmentIndex })));
      const repeated = words.flatMap((a, i) =>
        words.slice(i + 1).flatMap((b) => {
          if (a.index === b.index) return [];
          const overlap = Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs);
          const shorter = Math.max(1, Math.min(a.endMs - a.startMs, b.endMs - b.startMs));
          return overlap > shorter / 2 ? [`${a.text}@${a.startMs}/${b.text}@${b.startMs}`] : [];
        }),
      );
      expect(repeated).toEqual([]);

      // No words lost: the finals cover the passage (the bound of the other whisper tests).
      expect(wer).toBeLessThan(0.25);

      // And it really was a resume: the successor took the stream over from its checkpoint.
      const opened = successor.lines().find((l) => l.msg === 'stream opened');
      expect(opened, successor.tail()).toMatchObject({ session: sessionId, resumed: true });
      // The finals written ahead into the checkpoint went out again (consumers dedupe them by id).
      const republished = successor
        .lines()
        .find((l) => l.msg === 'republished the finals written ahead before a restart');
      expect(republished, successor.tail()).toMatchObject({ session: sessionId });
    },
  );
});
