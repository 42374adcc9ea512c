export * from './SpeechSynthesizer.js';
export * from './PiperSynthesizer.js';
export * from './PlaybackPacer.js';
export * from './SpeechService.js';
export * from './ReplySpeaker.js';
export * from './speechGrpcService.js';
export * from './config.js';
