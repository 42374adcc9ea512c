import { describe } from 'vitest';
import { openDatabase } from '../src/index.js';
import { dbContract } from './db.contract.js';

describe('database on PGlite (embedded)', () => {
  dbContract(() => openDatabase({}));
});
