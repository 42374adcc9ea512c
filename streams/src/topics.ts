import { AudioChunk } from '@lm/proto/audio/v1/audio';
import { Job, JobState } from '@lm/proto/jobs/v1/jobs';
import { SpeechAudioChunk } from '@lm/proto/speech/v1/speech';
import { SegmentKind, TranscriptSegment } from '@lm/proto/transcript/v1/transcript';
import { ReplyChunk, TutorTurn } from '@lm/proto/tutor/v1/tutor';
import { protoCodec } from './Codec.js';
import { defineTopic, type AnyTopic } from './Topic.js';

// The catalog: every topic of the platform, declared once. Names carry a version; a change
// that old consumers cannot read gets a new topic (`.v2`), never an edit of this one.
// Partition counts bound how many consumers of one group work in parallel (12 sessions' worth
// of transcribers at once per group), and never change after creation (keys would move).

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

const required = (what: string, value: string) => (value === '' ? `${what} is empty` : undefined);

/** Live PCM audio, key = session: one session's chunks stay in order on one partition. */
export const audioTopic = defineTopic<AudioChunk>({
  name: 'lm.audio.v1',
  codec: protoCodec(AudioChunk),
  key: (chunk) => chunk.sessionId,
  id: (chunk) => `${chunk.sessionId}/${chunk.streamId}/${chunk.sequence}`,
  validate: (chunk) =>
    required('sessionId', chunk.sessionId) ?? required('streamId', chunk.streamId),
  partitions: 12,
  // Audio is only needed while a session is live and for a restarted transcriber to resume.
  retentionMs: 6 * HOUR,
  description: '16 kHz mono s16le PCM chunks of live sessions, with an end-of-stream marker.',
});

const SEGMENT_KIND_NAMES: Record<number, string> = {
  [SegmentKind.SEGMENT_KIND_PARTIAL]: 'partial',
  [SegmentKind.SEGMENT_KIND_FINAL]: 'final',
};

/** Partial and final transcript segments, key = session. */
export const transcriptsTopic = defineTopic<TranscriptSegment>({
  name: 'lm.transcripts.v1',
  codec: protoCodec(TranscriptSegment),
  key: (segment) => segment.sessionId,
  id: (segment) =>
    `${segment.sessionId}/${segment.segmentIndex}/${segment.revision}/${SEGMENT_KIND_NAMES[segment.kind] ?? segment.kind}`,
  validate: (segment) => required('sessionId', segment.sessionId),
  partitions: 12,
  retentionMs: 7 * DAY,
  description: 'Transcript segments (partial | final) per session, in stream order.',
});

/** A student's turn (typed, or the final of what they said), key = conversation. */
export const tutorTurnsTopic = defineTopic<TutorTurn>({
  name: 'lm.tutor-turns.v1',
  codec: protoCodec(TutorTurn),
  key: (turn) => turn.conversationId,
  id: (turn) => `${turn.conversationId}/${turn.turnId}`,
  validate: (turn) =>
    required('conversationId', turn.conversationId) ?? required('turnId', turn.turnId),
  partitions: 12,
  retentionMs: 7 * DAY,
  description: 'Student turns addressed to the tutor.',
});

/** The tutor's streamed reply, key = conversation. */
export const tutorRepliesTopic = defineTopic<ReplyChunk>({
  name: 'lm.tutor-replies.v1',
  codec: protoCodec(ReplyChunk),
  key: (chunk) => chunk.conversationId,
  id: (chunk) => `${chunk.conversationId}/${chunk.turnId}/${chunk.sequence}`,
  validate: (chunk) =>
    required('conversationId', chunk.conversationId) ?? required('turnId', chunk.turnId),
  partitions: 12,
  retentionMs: 7 * DAY,
  description: 'Reply chunks (tokens, sentences, done, cancelled) per tutor turn.',
});

/** Synthesised speech for a room, key = session. */
export const speechAudioTopic = defineTopic<SpeechAudioChunk>({
  name: 'lm.speech-audio.v1',
  codec: protoCodec(SpeechAudioChunk),
  key: (chunk) => chunk.sessionId,
  id: (chunk) => `${chunk.sessionId}/${chunk.utteranceId}/${chunk.sequence}`,
  validate: (chunk) =>
    required('sessionId', chunk.sessionId) ?? required('utteranceId', chunk.utteranceId),
  partitions: 12,
  retentionMs: 6 * HOUR,
  description: 'TTS audio chunks to play into a session, per utterance.',
});

/** Background job requests and status updates, key = job: a job's updates stay in order. */
export const jobsTopic = defineTopic<Job>({
  name: 'lm.jobs.v1',
  codec: protoCodec(Job),
  key: (job) => job.jobId,
  // A status update is identified by what it says: the same update published twice is one.
  id: (job) =>
    `${job.jobId}/${job.attempt}/${JobState[job.state] ?? job.state}/${job.updatedAtMs}/${Math.round(job.progress * 1000)}`,
  validate: (job) => required('jobId', job.jobId),
  partitions: 6,
  retentionMs: 14 * DAY,
  description: 'Upload and batch transcription jobs: requests and status updates.',
});

/** The platform's topics (without dead-letter companions). */
export const topics = [
  audioTopic,
  transcriptsTopic,
  tutorTurnsTopic,
  tutorRepliesTopic,
  speechAudioTopic,
  jobsTopic,
] as const satisfies readonly AnyTopic[];

/** One entry per Kafka topic, dead-letter companions included: what a cluster must hold. */
export interface CatalogEntry {
  name: string;
  partitions: number;
  retentionMs: number | undefined;
  description: string;
  deadLetterOf: string | undefined;
}

/**
 * Every Kafka topic the platform uses, for tools that create them elsewhere (the Helm chart
 * renders a Strimzi KafkaTopic per entry from deploy/scripts/generate-kafka-topics.ts).
 */
export const topicCatalog: readonly CatalogEntry[] = topics.flatMap((topic: AnyTopic) => {
  const entries: CatalogEntry[] = [
    {
      name: topic.name,
      partitions: topic.partitions,
      retentionMs: topic.retentionMs,
      description: topic.description,
      deadLetterOf: undefined,
    },
  ];
  if (topic.dlq) {
    entries.push({
      name: topic.dlq.name,
      partitions: topic.dlq.partitions,
      retentionMs: topic.dlq.retentionMs,
      description: topic.dlq.description,
      deadLetterOf: topic.name,
    });
  }
  return entries;
});
