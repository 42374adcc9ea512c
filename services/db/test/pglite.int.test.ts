import { describe } from 'vitest';
import { Db } from '../src/index.js';
import { dbContract } from './db.contract.js';

describe('database on PGlite (embedded)', () => {
  dbContract(() => Db.open({}));
});
