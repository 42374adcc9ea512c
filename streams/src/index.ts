export type {
  Bus,
  CommitHoldBack,
  DedupeOptions,
  Delivery,
  MessageHandler,
  PublishOptions,
  PublishReceipt,
  RawMessage,
  SubscribeOptions,
  Subscription,
  SubscriptionStats,
  TailOptions,
} from './Bus.js';
export { BusError, BusHandlerError, describeError, isRetryable } from './BusHandlerError.js';
export { jsonLogger, silentLogger, type BusLogger, type BusLogLevel } from './BusLogger.js';
export { protoCodec, rawBytesCodec, type Codec, type ProtoMessageFns } from './Codec.js';
export { BusConfigError, createBus, type BusConfig } from './createBus.js';
export {
  HEADERS,
  readDeadLetter,
  type DeadLetterFailure,
  type DeadLetterInfo,
} from './DeadLetter.js';
export { DedupeWindow } from './DedupeWindow.js';
export { KafkaBus, type KafkaBusOptions, type KafkaClientLogLevel } from './kafka/KafkaBus.js';
export { MemoryBus, type MemoryBusOptions } from './memory/MemoryBus.js';
export type { MemoryGroupMember } from './memory/MemoryGroupMember.js';
export type { MemoryRetention } from './memory/PartitionLog.js';
export { murmur2, partitionForKey } from './partitioner.js';
export type { ProcessedStore } from './ProcessedStore.js';
export type { RetryOptions } from './RetryPolicy.js';
export {
  DLQ_SUFFIX,
  defineTopic,
  TopicDefinitionError,
  type AnyTopic,
  type Topic,
  type TopicSpec,
  type TopicValue,
} from './Topic.js';
export {
  audioTopic,
  jobsTopic,
  speechAudioTopic,
  topicCatalog,
  topics,
  transcriptsTopic,
  tutorRepliesTopic,
  tutorTurnsTopic,
  type CatalogEntry,
} from './topics.js';
