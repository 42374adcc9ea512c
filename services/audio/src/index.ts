export * from './wav.js';
export * from './FfmpegDecoder.js';
