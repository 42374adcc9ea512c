export * from './RecordingStorage.js';
export * from './RecordingJobs.js';
export * from './RecordingTranscriber.js';
export * from './WindowPlanner.js';
export * from './jobMessages.js';
export * from './views.js';
export * from './config.js';
