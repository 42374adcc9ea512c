import { describe, expect, it } from 'vitest';
import { AudioChunk } from '@lm/proto/audio/v1/audio';
import { Job, JobState } from '@lm/proto/jobs/v1/jobs';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { ReplyChunk, TutorTurn } from '@lm/proto/tutor/v1/tutor';
import {
  TopicDefinitionError,
  audioTopic,
  defineTopic,
  jobsTopic,
  rawBytesCodec,
  topicCatalog,
  topics,
  transcriptsTopic,
  tutorRepliesTopic,
  tutorTurnsTopic,
} from '../src/index.js';

describe('topic catalog', () => {
  it('names every topic with a version and pairs it with a .dlq companion', () => {
    expect(topics.map((t) => t.name)).toEqual([
      'lm.audio.v1',
      'lm.transcripts.v1',
      'lm.tutor-turns.v1',
      'lm.tutor-replies.v1',
      'lm.speech-audio.v1',
      'lm.jobs.v1',
    ]);
    for (const topic of topics) {
      expect(topic.name).toMatch(/\.v\d+$/);
      expect(topic.dlq?.name).toBe(`${topic.name}.dlq`);
      expect(topic.dlq?.dlq).toBeUndefined();
    }
    expect(topicCatalog).toHaveLength(12);
    expect(topicCatalog.find((e) => e.name === 'lm.audio.v1.dlq')).toMatchObject({
      partitions: 1,
      deadLetterOf: 'lm.audio.v1',
    });
    expect(new Set(topicCatalog.map((e) => e.name)).size).toBe(12);
  });

  it('keys by session (conversation for the tutor, job for jobs) with deterministic ids', () => {
    const chunk = AudioChunk.fromPartial({ sessionId: 's1', streamId: 'mic', sequence: 42 });
    expect([audioTopic.key(chunk), audioTopic.id(chunk)]).toEqual(['s1', 's1/mic/42']);

    const partial = TranscriptSegment.fromPartial({
      sessionId: 's1',
      segmentIndex: 3,
      revision: 2,
      kind: SegmentKind.SEGMENT_KIND_PARTIAL,
    });
    const final = { ...partial, revision: 3, kind: SegmentKind.SEGMENT_KIND_FINAL };
    expect(transcriptsTopic.id(partial)).toBe('s1/3/2/partial');
    expect(transcriptsTopic.id(final)).toBe('s1/3/3/final');
    expect(transcriptsTopic.key(final)).toBe('s1');

    const turn = TutorTurn.fromPartial({ conversationId: 'c1', turnId: 't9', sessionId: 's1' });
    expect([tutorTurnsTopic.key(turn), tutorTurnsTopic.id(turn)]).toEqual(['c1', 'c1/t9']);
    const reply = ReplyChunk.fromPartial({ conversationId: 'c1', turnId: 't9', sequence: 5 });
    expect([tutorRepliesTopic.key(reply), tutorRepliesTopic.id(reply)]).toEqual(['c1', 'c1/t9/5']);

    const job = Job.fromPartial({
      jobId: 'j1',
      state: JobState.JOB_STATE_RUNNING,
      attempt: 1,
      updatedAtMs: 5,
      progress: 0.5,
    });
    expect(jobsTopic.key(job)).toBe('j1');
    expect(jobsTopic.id(job)).toBe(jobsTopic.id(Job.fromPartial({ ...job })));
    expect(jobsTopic.id(job)).not.toBe(jobsTopic.id({ ...job, progress: 0.75 }));
  });

  it('round-trips values through the protobuf codecs and flags values without their key field', () => {
    const chunk = AudioChunk.fromPartial({
      sessionId: 's1',
      streamId: 'mic',
      pcm: Buffer.from([1, 2, 3]),
    });
    expect(audioTopic.codec.decode(audioTopic.codec.encode(chunk))).toEqual(chunk);
    expect(audioTopic.problem(chunk)).toBeUndefined();
    expect(audioTopic.problem({ ...chunk, sessionId: '' })).toBe('sessionId is empty');
    expect(() => audioTopic.codec.decode(Buffer.from([0xff, 0xff, 0xff]))).toThrow();
  });

  it('refuses topic names without a version or with characters Kafka does not allow', () => {
    const spec = { codec: rawBytesCodec, key: () => 'k', id: () => 'i', partitions: 1 };
    expect(() => defineTopic({ ...spec, name: 'lm.audio' })).toThrow(TopicDefinitionError);
    expect(() => defineTopic({ ...spec, name: 'lm audio.v1' })).toThrow(TopicDefinitionError);
    expect(() => defineTopic({ ...spec, name: 'lm.x.v1', partitions: 0 })).toThrow(
      TopicDefinitionError,
    );
  });
});
