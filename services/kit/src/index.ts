export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './health.js';
export * from './metrics.js';
export * from './ops-server.js';
export * from './shutdown.js';
export * from './grpc.js';
