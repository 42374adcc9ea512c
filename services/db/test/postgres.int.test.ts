import { describe, it, expect } from 'vitest';
import { Db } from '../src/index.js';
import { dbContract } from './db.contract.js';

const url = process.env.DATABASE_URL;

describe('database on PostgreSQL (real server from scripts/infra/postgres.sh)', () => {
  it('has DATABASE_URL pointing at the server', () => {
    expect(
      url,
      'DATABASE_URL is unset: start the server with scripts/infra/postgres.sh start',
    ).toBeTruthy();
  });
  if (url) dbContract(() => Db.open({ databaseUrl: url }));
});
