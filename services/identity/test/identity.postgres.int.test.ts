import { describe, expect, it } from 'vitest';
import { Db } from '@lm/db';
import { identityContract } from './identity.contract.js';

const url = process.env.DATABASE_URL;

describe('identity on PostgreSQL (real server from scripts/infra/postgres.sh)', () => {
  it('has DATABASE_URL pointing at the server', () => {
    expect(
      url,
      'DATABASE_URL is unset: start scripts/infra/postgres.sh and export it',
    ).toBeTruthy();
  });
  if (url) identityContract(() => Db.open({ databaseUrl: url }));
});
