export * from './Gateway.js';
export * from './config.js';
