export * from './wav.js';
export * from './FfmpegDecoder.js';
export * from './AudioChunker.js';
