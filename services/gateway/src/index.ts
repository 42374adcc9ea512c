export * from './Gateway.js';
export * from './config.js';
export * from './auth/index.js';
