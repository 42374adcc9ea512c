export * from './TranscriberService.js';
export * from './StreamTranscriber.js';
export * from './DecodeScheduler.js';
export * from './LocalAgreement.js';
export * from './SessionCheckpoints.js';
export * from './ports.js';
export * from './PcmBuffer.js';
export * from './DbCheckpointStore.js';
