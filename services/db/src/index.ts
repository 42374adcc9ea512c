export * from './Db.js';
export * from './schema.js';
export { migrations } from './migrations/index.js';
