import { describe } from 'vitest';
import { Db } from '@lm/db';
import { identityContract } from './identity.contract.js';

describe('identity on PGlite (embedded mode)', () => {
  identityContract(() => Db.open({}));
});
